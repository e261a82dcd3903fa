package io.latscope.bpf;

import io.latscope.bpf.SockDiag.TcpSocket;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sock_diag against real connections in test namespaces: ends, owner inode, tcp_info counters, by dump and by lookup. */
@KernelTest
class SockDiagTest {
    private static final int BYTES = 3 * 1024 * 1024 + 17;

    @ParameterizedTest
    @CsvSource({"10.98.0.1/24, 10.98.0.2/24, 10.98.0.2", "fd00:98::1/64, fd00:98::2/64, fd00:98::2"})
    void reportsEstablishedSocketsWithTheirCounters(String addrA, String addrB, String server) throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            NetNs other = net.namespace("c");
            net.veth("a", addrA, "b", addrB);
            InetAddress serverAddress = InetAddress.getByName(server);
            try (ServerSocket ss = b.run(() -> new ServerSocket(5301, 1, serverAddress));
                 Socket client = a.run(() -> new Socket(serverAddress, 5301));
                 Socket accepted = ss.accept();
                 SockDiag diagA = SockDiag.open(a);
                 SockDiag diagB = SockDiag.open(b);
                 SockDiag diagOther = SockDiag.open(other)) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        out.write(new byte[BYTES]);
                        out.flush();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                InputStream in = accepted.getInputStream();
                byte[] buf = new byte[64 * 1024];
                for (long got = 0; got < BYTES; ) {
                    got += in.read(buf);
                }
                writer.join();
                TcpSocket sender = await(diagA, client.getLocalPort(), BYTES);
                assertThat(sender.local()).isEqualTo(new InetSocketAddress(client.getLocalAddress(), client.getLocalPort()));
                assertThat(sender.remote()).isEqualTo(new InetSocketAddress(serverAddress, 5301));
                assertThat(sender.bytesAcked()).isEqualTo(BYTES + 1); // the SYN takes one sequence number
                assertThat(sender.dataSegsOut()).isPositive();
                // veth can reorder when the sender moves between CPUs (each CPU's backlog is
                // drained on its own), so a few spurious retransmissions happen: compare with
                // the namespace's own count, the only connection there
                assertThat(sender.totalRetrans()).isEqualTo(a.run(() -> retransSegs()));
                assertThat(sender.uid()).isZero();
                assertThat(socketInodes()).contains(sender.inode());

                List<TcpSocket> inB = diagB.established();
                TcpSocket receiver = inB.stream().filter(s -> s.local().getPort() == 5301).findFirst().orElseThrow();
                assertThat(receiver.remote().getPort()).isEqualTo(client.getLocalPort());
                assertThat(receiver.bytesReceived()).isEqualTo(BYTES); // data only: the SYN counts in acked, not in received
                assertThat(receiver.dataSegsIn()).isEqualTo(sender.dataSegsOut());
                assertThat(socketInodes()).contains(receiver.inode());
                // cookies tell connections apart (that they are the probes' bpf_get_socket_cookie
                // too, ReportTruthTest's flow totals show: a connection sampled, then closed)
                assertThat(sender.cookie()).isNotZero().isNotEqualTo(receiver.cookie());

                assertThat(diagOther.established()).as("a namespace without the connection").isEmpty();

                // one socket by its ends: the same socket and counters as the dump (nothing is in flight now)
                assertThat(diagB.lookup(receiver.local(), receiver.remote())).contains(receiver);
                assertThat(diagA.lookup(sender.local(), sender.remote())).contains(sender);
                InetSocketAddress unused = new InetSocketAddress(serverAddress, 5302);
                assertThat(diagB.lookup(unused, receiver.remote())).as("no socket with these ends").isEmpty();
                assertThat(diagOther.lookup(receiver.local(), receiver.remote())).as("another namespace").isEmpty();
                client.close();
                accepted.close();
                // closing, both ends pass through states that still have counters; then the
                // client's end waits in TIME_WAIT (no counters: not returned) and the server's is gone
                awaitGone(diagA, sender);
                awaitGone(diagB, receiver);
            }
        }
    }

    @Test
    void closedDiagSaysSo() {
        try (TestNetwork net = TestNetwork.create()) {
            SockDiag d = SockDiag.open(net.namespace("a"));
            d.close();
            d.close();
            assertThatThrownBy(d::established).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
            assertThatThrownBy(() -> d.lookup(any, any)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    private static void awaitGone(SockDiag diag, TcpSocket s) throws Exception {
        long end = System.nanoTime() + 5_000_000_000L;
        while (diag.lookup(s.local(), s.remote()).isPresent()) {
            if (System.nanoTime() > end) {
                Process p = new ProcessBuilder("ip", "netns", "exec", diag.namespace().name(), "ss", "-tanoie")
                        .redirectErrorStream(true).start();
                throw new AssertionError("socket " + s + " still found after 5 s:\n" + new String(p.getInputStream().readAllBytes()));
            }
            Thread.sleep(10);
        }
    }

    private static TcpSocket await(SockDiag diag, int localPort, long bytes) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        TcpSocket s = null;
        while (System.nanoTime() < end) {
            s = diag.established().stream().filter(t -> t.local().getPort() == localPort).findFirst().orElse(null);
            if (s != null && s.bytesAcked() > bytes) {
                return s;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no fully acknowledged socket on port " + localPort + " in " + diag + ": " + s);
    }

    /** RetransSegs of the calling thread's network namespace (/proc/thread-self/net/snmp). */
    private static long retransSegs() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("/proc/thread-self/net/snmp"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("Tcp:") && lines.get(i + 1).startsWith("Tcp:")) {
                List<String> names = List.of(lines.get(i).split(" "));
                return Long.parseLong(lines.get(i + 1).split(" ")[names.indexOf("RetransSegs")]);
            }
        }
        throw new AssertionError("no Tcp lines in /proc/thread-self/net/snmp");
    }

    /** Inodes of this process's sockets, from /proc/self/fd. */
    private static List<Long> socketInodes() throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> {
                try {
                    String t = Files.readSymbolicLink(p).toString();
                    return t.startsWith("socket:[") ? Long.parseLong(t.substring(8, t.length() - 1)) : null;
                } catch (Exception e) {
                    return null;
                }
            }).filter(java.util.Objects::nonNull).toList();
        }
    }
}
