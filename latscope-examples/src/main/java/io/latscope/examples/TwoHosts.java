package io.latscope.examples;

import io.latscope.Namespace;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.TestNetwork;

/**
 * The two "hosts" of the examples: network namespaces {@code client} (10.97.0.1) and
 * {@code server} (10.97.0.2) joined by a veth pair. Close the network to delete them.
 */
public final class TwoHosts {
    public static final String CLIENT_ADDRESS = "10.97.0.1";
    public static final String SERVER_ADDRESS = "10.97.0.2";

    private TwoHosts() {
    }

    public static TestNetwork create() {
        TestNetwork net = TestNetwork.create();
        try {
            net.namespace("client");
            net.namespace("server");
            net.veth("client", CLIENT_ADDRESS + "/24", "server", SERVER_ADDRESS + "/24");
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** @return the client namespace, as a session's builder takes it */
    public static Namespace client(TestNetwork net) {
        return net.ns("client").spec();
    }

    /** @return the server namespace, as a session's builder takes it */
    public static Namespace server(TestNetwork net) {
        return net.ns("server").spec();
    }

    /** @return the client namespace, to run code in it */
    public static NetNs clientNs(TestNetwork net) {
        return net.ns("client");
    }

    /** @return the server namespace, to run code in it */
    public static NetNs serverNs(TestNetwork net) {
        return net.ns("server");
    }
}
