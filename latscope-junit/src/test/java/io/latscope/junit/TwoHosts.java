package io.latscope.junit;

import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.time.Duration;

/** Test traffic: namespaces a (10.93.0.1) and b (10.93.0.2) joined by a veth pair, and 1 KiB messages from a to b. */
final class TwoHosts {
    static final String SERVER = "10.93.0.2";

    private TwoHosts() {
    }

    static TestNetwork create() {
        TestNetwork net = TestNetwork.create();
        try {
            net.namespace("a");
            net.namespace("b");
            net.veth("a", "10.93.0.1/24", "b", SERVER + "/24");
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** {@code count} messages of 1 KiB, 200 µs apart: with a 1 KiB stride, one marker each. */
    static TcpTraffic.FlowResult messages(TestNetwork net, int port, int count) {
        return TcpTraffic.messages(net.ns("a"), net.ns("b"), SERVER, port, 1024, count, Duration.ofMillis(1).dividedBy(5),
                Duration.ZERO);
    }
}
