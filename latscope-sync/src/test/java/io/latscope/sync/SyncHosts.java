package io.latscope.sync;

import io.latscope.testbed.TestNetwork;

/** Test-network set-ups for sync tests: IPv6 addresses without duplicate address detection. */
final class SyncHosts {
    private SyncHosts() {
    }

    /**
     * The error a test allows a model or round measured by {@code method}: {@code liveFrames}
     * where probes were injected as live XDP frames, and at least 600 ns where they left
     * through a packet socket (a kernel that refuses live frames): that forward leg is an skb
     * that the responder's veth turns into an XDP frame, slower than the reply's, and it
     * biases the offset by +300…+410 ns, inside the models' bounds (XdpSyncAccuracyTest).
     */
    static long allowedErrorNanos(String method, long liveFrames) {
        return method != null && method.endsWith(", " + XdpInitiator.PACKET_SOCKET) ? Math.max(liveFrames, 600) : liveFrames;
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
