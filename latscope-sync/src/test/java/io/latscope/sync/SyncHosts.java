package io.latscope.sync;

import io.latscope.testbed.TestNetwork;

/** Test-network set-ups for sync tests: IPv6 addresses without duplicate address detection. */
final class SyncHosts {
    private SyncHosts() {
    }

    /** A veth between namespaces "a" and "b" of {@code net}, with {@code addrA}/{@code addrB} + prefix. */
    static void veth(TestNetwork net, String addrA, String addrB, String prefix) {
        if (!addrA.contains(":")) {
            net.veth("a", addrA + prefix, "b", addrB + prefix);
            return;
        }
        net.veth("a", null, "b", null);
        addV6(net, "a", TestNetwork.vethName("a", "b"), addrA + prefix);
        addV6(net, "b", TestNetwork.vethName("b", "a"), addrB + prefix);
    }

    /** An IPv6 address usable at once (nodad: no tentative phase). */
    static void addV6(TestNetwork net, String ns, String dev, String cidr) {
        net.exec(ns, "ip", "addr", "add", cidr, "dev", dev, "nodad");
    }
}
