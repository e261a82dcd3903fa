package io.latscope.examples;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.SessionSpec;
import io.latscope.testbed.KernelTest;
import io.latscope.examples.echo.EchoClient;
import io.latscope.examples.echo.EchoServer;
import io.latscope.junit.LatScopeTest;
import io.latscope.junit.LatencyBudget;
import io.latscope.junit.Session;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.latscope.Hop.*;
import static io.latscope.assertj.LatScopeAssertions.assertThat;

/**
 * Latency budgets of the echo service, over real TCP between two namespaces: each test gets
 * its own network, echo server and LatScope session, and its budgets are checked against
 * what that session measured.
 */
@KernelTest
@LatScopeTest
class EchoLatencyBudgetTest {
    static final int PORT = 47511;

    TestNetwork net;
    EchoServer server;

    @BeforeEach
    void startEchoServer() {
        net = TwoHosts.create();
        server = EchoServer.start(TwoHosts.serverNs(net), TwoHosts.SERVER_ADDRESS, PORT);
    }

    @AfterEach
    void stopEchoServer() {
        server.close();
        net.close();
    }

    /** The test's session: started after @BeforeEach made the namespaces, closed right after the test. */
    @Session
    SessionSpec latency() {
        return LatScope.builder().namespaces(TwoHosts.client(net), TwoHosts.server(net)).ports(PORT).stride(1024).build();
    }

    // Budgets with room for a busy two-core machine: inside the kernel a hop takes about a
    // microsecond; whole stretches from write to read depend on the scheduler.
    @Test
    @LatencyBudget(hop = "tx.TCP", percentile = 99, max = "2ms")
    @LatencyBudget(hop = "tx.IP", percentile = 99, max = "2ms")
    @LatencyBudget(hop = "tx.DEV", percentile = 99, max = "2ms")
    @LatencyBudget(hop = "VETH", percentile = 99, max = "2ms")
    @LatencyBudget(hop = "END_TO_END", percentile = 50, max = "50ms", minSamples = 2000)
    void echoRoundTripsStayWithinTheirBudgets(LatScopeSession session) {
        try (EchoClient client = EchoClient.connect(TwoHosts.clientNs(net), TwoHosts.SERVER_ADDRESS, PORT, 1024)) {
            for (int i = 0; i < 1000; i++) {
                client.roundTrip();
            }
        }
        // 1 KiB each way per round trip, one marker per KiB: 2000 markers
        assertThat(session.snapshot()).hasHops(TX_SOCKET, TX_TCP, TX_IP, TX_DEV, VETH, RX_DEV, RX_IP, RX_TCP, RX_SOCKET)
                .hop(END_TO_END).hasSamplesAtLeast(1990).percentile(99).isLessThan("1s");
    }

    @Test
    @LatencyBudget(hop = "rx.SOCKET", percentile = 99.9, max = "500ms", minSamples = 50)
    void aFewLargeMessagesToo() {
        try (EchoClient client = EchoClient.connect(TwoHosts.clientNs(net), TwoHosts.SERVER_ADDRESS, PORT, 64 * 1024)) {
            for (int i = 0; i < 50; i++) {
                client.roundTrip();
            }
        }
    }
}
