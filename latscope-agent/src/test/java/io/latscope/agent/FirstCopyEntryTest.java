package io.latscope.agent;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.Layer;
import io.latscope.MarkerPath;
import io.latscope.MarkerRecord;
import io.latscope.Point;
import io.latscope.bpf.Feature;
import io.latscope.bpf.Features;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write's entry at its first pass of the copy loop ({@code latscope.writeEntry=first-copy},
 * the default where the kernel refuses BPF trampolines): no system-call tracepoint is
 * attached, and an entry ends when its send returns, so a later call that repeats every
 * argument of an earlier, partial one starts its own.
 */
@KernelTest
class FirstCopyEntryTest {
    private static final int STRIDE = 1024;
    private static final int PORT = 5313;

    @AfterEach
    void clearProperty() {
        System.clearProperty(WriteEntry.PROPERTY);
    }

    @Test
    void withoutTrampolinesTheDefaultTracesNoSystemCall() throws Exception {
        boolean trampolines = Features.probe(Feature.FENTRY).isSupported();
        if (trampolines) { // the default there is fentry: name the way under test
            System.setProperty(WriteEntry.PROPERTY, "first-copy");
        }
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.75.8.1/24", "b", "10.75.8.2/24");
            Map<Long, String> before = programs();
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(PORT).stride(STRIDE)
                    .layers(Layer.SOCKET).probeCost(false).start()) {
                assertThat(((LocalSession) s).socketBoundaries().get(ProbePoint.TX_SOCK))
                        .as("where tx.SOCKET starts").startsWith("the write's first pass of the copy loop");
                // the session's programs: those loaded since (an earlier session's may still be
                // listed while the kernel frees them)
                Map<Long, String> ours = programs();
                ours.keySet().removeAll(before.keySet());
                assertThat(ours.values()).as("the session's BPF programs").contains("tx_sock", "tx_sock_done")
                        .doesNotContain("sys_enter");
            }
        }
    }

    /** Loaded BPF programs by id, with their names (bpftool). */
    private static Map<Long, String> programs() {
        Map<Long, String> m = new HashMap<>();
        Matcher x = Pattern.compile("\"id\":(\\d+),\"type\":\"[^\"]*\",\"name\":\"([^\"]*)\"")
                .matcher(Cmd.run("bpftool", "-j", "prog", "show"));
        while (x.find()) {
            m.put(Long.parseLong(x.group(1)), x.group(2));
        }
        return m;
    }

    /**
     * A non-blocking gathering write (writev through the thread's one iovec array, as Java's
     * SocketChannel does) into a nearly full socket copies part of its bytes; the
     * application waits, then writes the rest with the same descriptor, the same iovec
     * address and the same end of its bytes. Every marker's tx.sock stamp must lie after the
     * application started the call that copied it: an entry the first call left behind would
     * stamp the later calls' markers milliseconds before they began.
     */
    @Test
    void aRetryOfAPartialWriteIsNotStampedAtTheFirstCallsEntry() throws Exception {
        System.setProperty(WriteEntry.PROPERTY, "first-copy");
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.75.9.1/24", "b", "10.75.9.2/24");
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("10.75.9.2"), PORT);
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            List<long[]> calls = new ArrayList<>(); // {start nanos, stream offset, bytes copied}
            long total = 0;
            try (ServerSocketChannel ss = b.run(() -> {
                     ServerSocketChannel c = ServerSocketChannel.open();
                     c.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
                     return c.bind(server);
                 });
                 LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(PORT).stride(STRIDE)
                         .layers(Layer.SOCKET).probeCost(false).start(paths::add);
                 SocketChannel client = a.run(() -> {
                     SocketChannel c = SocketChannel.open();
                     c.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
                     c.connect(server);
                     return c;
                 });
                 SocketChannel accepted = ss.accept()) {
                client.configureBlocking(false);
                Thread reader = Thread.ofPlatform().start(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    try {
                        while (accepted.read(buf.clear()) > 0) {
                            Thread.sleep(2); // slow: the writer's calls copy part of their bytes
                        }
                    } catch (Exception e) {
                        // the connection closed
                    }
                });
                for (int round = 0; round < 20; round++) {
                    ByteBuffer[] bufs = {ByteBuffer.allocateDirect(64 * 1024), ByteBuffer.allocateDirect(64 * 1024)};
                    while (bufs[1].hasRemaining()) {
                        long start = System.nanoTime();
                        long n = client.write(bufs);
                        calls.add(new long[] {start, total, n});
                        total += n;
                        Thread.sleep(3); // the application waits for space, then writes the rest
                    }
                }
                client.shutdownOutput();
                reader.join();
                s.close();
            }
            long partial = calls.stream().filter(c -> c[2] > 0 && c[2] < 128 * 1024).count();
            assertThat(partial).as("calls that copied part of their bytes").isGreaterThan(20);
            List<MarkerRecord> sent = new ArrayList<>();
            paths.forEach(p -> {
                if (p.record().flow().dstPort() == PORT) {
                    sent.add(p.record());
                }
            });
            assertThat(sent).as("markers of the sent stream").hasSizeGreaterThan((int) (total / STRIDE * 9 / 10));
            // the first marker lies in the stream's first stride: a marker's offset is at least
            // its distance from the first, so the call found for it is the one that copied it or an earlier one
            long first = sent.stream().mapToLong(MarkerRecord::sequence).reduce((x, y) -> (int) (y - x) < 0 ? y : x).orElseThrow();
            List<String> early = new ArrayList<>();
            int checked = 0;
            for (MarkerRecord m : sent) {
                long offset = Integer.toUnsignedLong((int) (m.sequence() - first));
                long txSock = m.stamp(Point.TX_SOCK).map(MarkerRecord.Stamp::nanos).orElse(-1L);
                if (txSock < 0) {
                    continue;
                }
                long[] call = null;
                for (long[] c : calls) {
                    if (c[2] > 0 && offset >= c[1] && offset < c[1] + c[2]) {
                        call = c;
                    }
                }
                if (call == null) {
                    continue;
                }
                checked++;
                if (txSock < call[0]) {
                    early.add("offset " + offset + ": tx.sock " + (call[0] - txSock) / 1000 + " us before its call began");
                }
            }
            System.out.println(calls.size() + " calls, " + partial + " partial, " + checked + " of " + sent.size()
                    + " markers checked, " + early.size() + " stamped before their call");
            assertThat(checked).as("markers checked").isGreaterThan(sent.size() * 9 / 10);
            assertThat(early).as("markers stamped before the call that copied them").isEmpty();
        }
    }
}
