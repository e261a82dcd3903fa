package io.latscope.examples;

import io.latscope.Hop;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.testbed.KernelTest;
import io.latscope.examples.echo.EchoClient;
import io.latscope.examples.echo.EchoServer;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.latscope.assertj.LatScopeAssertions.assertThat;

/** A regression check between two reports: a rate-limiting qdisc on the client's veth shows up in its tx.DEV. */
@KernelTest
class EchoRegressionTest {
    static final int PORT = 47512;

    @Test
    void aSlowQdiscIsARegressionInTheClientsTxDevAndNowhereElseThatMatters() {
        try (TestNetwork net = TwoHosts.create();
             EchoServer server = EchoServer.start(TwoHosts.serverNs(net), TwoHosts.SERVER_ADDRESS, PORT)) {
            LatencyReport baseline = measure(net, server);
            // 10 Mbit/s with a one-packet bucket: each 1 KiB request waits ~0.8 ms for tokens
            net.rootQdisc("client", TestNetwork.vethName("client", "server"), "tbf", "rate", "10mbit", "burst", "1600",
                    "latency", "500ms");
            LatencyReport slowed = measure(net, server);

            Hop clientTxDev = Hop.TX_DEV.in(TwoHosts.client(net).name());
            Hop serverTxDev = Hop.TX_DEV.in(TwoHosts.server(net).name());
            assertThat(slowed).comparedTo(baseline).withMinSamples(200).hasRegressionIn(clientTxDev, Hop.END_TO_END);
            // the echo's own way back has no qdisc: within twice the baseline plus jitter
            assertThat(slowed).comparedTo(baseline).withMinSamples(200).tolerating(1.0, Duration.ofMillis(1))
                    .hasNoRegressionIn(serverTxDev, Hop.TX_TCP, Hop.VETH);
        }
    }

    private static LatencyReport measure(TestNetwork net, EchoServer server) {
        try (LatScopeSession s = LatScope.builder().namespaces(TwoHosts.client(net), TwoHosts.server(net)).ports(server.port())
                .stride(1024).start();
             EchoClient client = EchoClient.connect(TwoHosts.clientNs(net), TwoHosts.SERVER_ADDRESS, server.port(), 1024)) {
            for (int i = 0; i < 300; i++) {
                client.roundTrip();
            }
            client.close();
            s.close();
            return s.snapshot();
        }
    }
}
