package io.latscope.bench;

import io.latscope.sync.SyncHost;
import io.latscope.testbed.TestNetwork;

/** Namespaces a and b of a test network joined by a veth, as sync hosts; they share one clock, so the true offset is 0. */
record SyncPair(SyncHost a, SyncHost b) {

    /** a at {@code net24}.1, b at {@code net24}.2, e.g. {@code of(net, "10.93.0")}. */
    static SyncPair of(TestNetwork net, String net24) {
        net.namespace("a");
        net.namespace("b");
        net.veth("a", net24 + ".1/24", "b", net24 + ".2/24");
        return new SyncPair(SyncHost.of("a", net.ns("a"), TestNetwork.vethName("a", "b"), net24 + ".1"),
                SyncHost.of("b", net.ns("b"), TestNetwork.vethName("b", "a"), net24 + ".2"));
    }
}
