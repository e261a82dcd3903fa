package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flow counters from the probes' open_socks map: after one dump per namespace (the sockets
 * opened before the session, at start), the sampler looks sockets up by their ends, and the
 * flow totals stay exact for a connection older than the session (without what it carried
 * before), one opened and closed during it, and a socket it never dumped.
 */
@KernelTest
class OpenSocketsTest {
    private static final int STEPS = 8, OLD_STEP = 100_000, NEW_STEP = 50_000, PRE_SESSION = 70_000;

    @Test
    void openSocketsAreLookedUpAfterOneDumpAndTotalsStayExact() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.76.19.1/24", "b", "10.76.19.2/24");
            InetAddress server = InetAddress.getByName("10.76.19.2");
            LatencyReport r;
            long[] requests;
            FlowKey older, newer;
            try (ServerSocket ss = b.run(() -> new ServerSocket(5609, 4, server));
                 Socket old = a.run(() -> new Socket(server, 5609));
                 Socket oldIn = ss.accept()) {
                older = new FlowKey(old.getLocalAddress(), old.getLocalPort(), server, 5609);
                // bytes before the session are not the session's
                Thread before = reader(oldIn, PRE_SESSION);
                old.getOutputStream().write(new byte[PRE_SESSION]);
                before.join();
                try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5609).stride(4096)
                        .interval(Duration.ofMillis(150)).start()) {
                    Thread oldReader = reader(oldIn, (long) STEPS * OLD_STEP);
                    try (Socket fresh = a.run(() -> new Socket(server, 5609)); Socket freshIn = ss.accept()) {
                        newer = new FlowKey(fresh.getLocalAddress(), fresh.getLocalPort(), server, 5609);
                        Thread freshReader = reader(freshIn, (long) STEPS * NEW_STEP);
                        for (int i = 0; i < STEPS; i++) {
                            old.getOutputStream().write(new byte[OLD_STEP]);
                            fresh.getOutputStream().write(new byte[NEW_STEP]);
                            Thread.sleep(100); // several intervals while both are open
                        }
                        freshReader.join();
                    }
                    oldReader.join();
                    Thread.sleep(400); // intervals after the newer one closed
                    requests = ((LocalSession) s).endpointRequests();
                    s.close();
                    r = s.snapshot();
                }
            }
            System.out.printf("flow sampler: %d lookups, %d dumps; %s%n", requests[0], requests[1], r.flows());
            assertThat(bytes(r, older)).as(r.toString()).isEqualTo((long) STEPS * OLD_STEP);
            assertThat(bytes(r, newer)).as(r.toString()).isEqualTo((long) STEPS * NEW_STEP);
            // one dump per namespace, then lookups (both ends of both connections while open); the
            // older connection is still open when the session ends, so its total came from lookups
            assertThat(requests[1]).as("dumps").isEqualTo(2);
            assertThat(requests[0]).as("lookups").isGreaterThanOrEqualTo(4 * 4);
        }
    }

    /**
     * A process that keeps opening connections, one after another, is found holding each new
     * one among the session's known endpoint processes: one walk of every process's
     * descriptors for the first connection, none for the next ones (here the test's own JVM
     * holds both ends of every connection).
     */
    @Test
    void newSocketsOfAKnownProcessAreFoundWithoutWalkingEveryProcess() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.76.20.1/24", "b", "10.76.20.2/24");
            InetAddress server = InetAddress.getByName("10.76.20.2");
            long[] requests;
            LatencyReport r;
            int connections = 5;
            try (ServerSocket ss = b.run(() -> new ServerSocket(5612, 8, server));
                 LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5612)
                         .interval(Duration.ofMillis(100)).start()) {
                for (int i = 0; i < connections; i++) {
                    try (Socket c = a.run(() -> new Socket(server, 5612)); Socket in = ss.accept()) {
                        Thread reader = reader(in, 10_000);
                        c.getOutputStream().write(new byte[10_000]);
                        reader.join();
                        Thread.sleep(500); // a few intervals sample it open
                    }
                }
                requests = ((LocalSession) s).endpointRequests();
                s.close();
                r = s.snapshot();
            }
            System.out.printf("owners: %d walks of every process, %d reads of a known owner%n", requests[2], requests[3]);
            long self = ProcessHandle.current().pid();
            assertThat(r.processes()).as(r.toString()).anySatisfy(p -> assertThat(p.pid()).isEqualTo(self));
            assertThat(requests[2]).as("walks of every process's descriptors").isEqualTo(1);
            assertThat(requests[3]).as("reads of the known owner's descriptors").isGreaterThanOrEqualTo(connections - 1);
        }
    }

    private static long bytes(LatencyReport r, FlowKey f) {
        return r.flows().stream().filter(s -> s.flow().equals(f)).mapToLong(FlowStats::bytes).sum();
    }

    private static Thread reader(Socket s, long bytes) {
        return Thread.ofPlatform().start(() -> {
            try {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[64 * 1024];
                for (long got = 0; got < bytes; ) {
                    int n = in.read(buf);
                    if (n < 0) {
                        throw new IOException("end of stream after " + got + " of " + bytes + " bytes");
                    }
                    got += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
