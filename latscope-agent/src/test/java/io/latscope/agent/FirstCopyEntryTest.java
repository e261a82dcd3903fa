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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
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
    private static final byte A_FIRST = (byte) 0x55;

    @AfterEach
    void clearProperties() {
        System.clearProperty(WriteEntry.PROPERTY);
        System.clearProperty(HookPreference.PROPERTY);
    }

    @Test
    void withoutTrampolinesTheDefaultTracesNoSystemCall() throws Exception {
        if (Features.probe(Feature.FENTRY).isSupported()) { // a session here takes no trampoline, as where they are refused
            System.setProperty(HookPreference.PROPERTY, "tracepoints");
        }
        Collection<String> programs = sessionPrograms(s -> assertThat(s.socketBoundaries().get(ProbePoint.TX_SOCK))
                .as("where tx.SOCKET starts").startsWith("the write's first pass of the copy loop"));
        assertThat(programs).as("the session's BPF programs").contains("tx_sock", "tx_sock_done")
                .doesNotContain("sys_enter");
    }

    /**
     * A kernel whose verifier refuses the first copy's programs, or tx_sock with the first
     * copy's constant set (it enables code the verifier then walks), still gets the write's
     * entry: from sys_enter, with tx_sock loaded again without the constant.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tx_sock_wait", "tx_sock:first-copy"})
    void aRefusedFirstCopyFallsToSysEnter(String refused) throws Exception {
        System.setProperty(HookPreference.PROPERTY, "tracepoints"); // the first copy is auto's first way
        System.setProperty(LocalProbes.REFUSE_PROGRAMS_PROPERTY, refused);
        try {
            Collection<String> programs = sessionPrograms(s -> {
                assertThat(s.unavailable()).as("hops the session cannot measure").isEmpty();
                assertThat(s.socketBoundaries().get(ProbePoint.TX_SOCK)).as("where tx.SOCKET starts")
                        .isEqualTo(WriteEntry.SYS_ENTER.boundary);
            });
            assertThat(programs).as("the session's BPF programs").contains("tx_sock", "sys_enter")
                    .doesNotContain("tx_sock_done", "tx_sock_wait");
        } finally {
            System.clearProperty(LocalProbes.REFUSE_PROGRAMS_PROPERTY);
        }
    }

    /**
     * The BPF programs a SOCKET-layer session between two namespaces loaded (those loaded
     * since it started: an earlier session's may still be listed while the kernel frees
     * them), after {@code check} looked at it running.
     */
    private static Collection<String> sessionPrograms(Consumer<LocalSession> check) throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.75.8.1/24", "b", "10.75.8.2/24");
            Map<Long, String> before = programs();
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(PORT).stride(STRIDE)
                    .layers(Layer.SOCKET).probeCost(false).start()) {
                check.accept((LocalSession) s);
                Map<Long, String> ours = programs();
                ours.keySet().removeAll(before.keySet());
                return ours.values();
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
            List<MarkerRecord> sent = SentMarkers.toPort(paths, PORT);
            assertThat(sent).as("markers of the sent stream").hasSizeGreaterThan((int) (total / STRIDE * 9 / 10));
            // the first marker lies in the stream's first stride: a marker's offset is at least
            // its distance from the first, so the call found for it is the one that copied it or an earlier one
            long first = SentMarkers.firstSequence(sent);
            List<String> early = new ArrayList<>();
            int checked = 0;
            for (MarkerRecord m : sent) {
                long offset = SentMarkers.offset(m, first);
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETTID = downcall("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final long SIOCOUTQ = 0x5411;

    private static MethodHandle downcall(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    /** How often a thread gave up its CPU to sleep (/proc/.../status). */
    private static long voluntarySwitches(Path status) throws java.io.IOException {
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElseThrow();
    }

    /** Bytes in the socket's send queue, not yet acknowledged (SIOCOUTQ: read without the socket's lock). */
    private static int unsent(int fd, MemorySegment out) {
        try {
            assertThat((int) IOCTL.invokeExact(fd, SIOCOUTQ, out)).as("ioctl(SIOCOUTQ)").isZero();
        } catch (Throwable e) {
            throw new RuntimeException(e);
        }
        return out.get(JAVA_INT, 0);
    }

    private static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable e) {
            throw new RuntimeException(e);
        }
    }

    /** write(2) of all of {@code buf} on a blocking socket, straight from this thread (no Java lock). */
    private static void writeAll(int fd, MemorySegment buf) {
        for (long done = 0; done < buf.byteSize(); ) {
            long n;
            try {
                n = (long) WRITE.invokeExact(fd, buf.asSlice(done), buf.byteSize() - done);
            } catch (Throwable e) {
                throw new RuntimeException(e);
            }
            assertThat(n).as("write(2)").isPositive();
            done += n;
        }
    }

    /**
     * Two threads write to one socket through write(2) (no lock of Java's between them): B
     * copies 8 MiB into a send buffer that takes it all (tcp_wmem 16 MiB in the namespace, so
     * B need not wait for space and keeps the socket's lock for the whole copy); A writes
     * 4 KiB as soon as B's first bytes are in the send queue (SIOCOUTQ), and sleeps on the
     * lock until B's copy is done. The rounds that count: A's bytes follow B's in the stream
     * (the reader finds A's by their content), A slept in its call (a voluntary context
     * switch) and the call took at least 150 us. In those, each of A's markers must be
     * stamped at or after A's start and in the first half of A's call, before the sleep, as
     * the application sees it, not at its copy microseconds before the call returned: from
     * sys_enter the system call's entry, at the first copy pass the moment A went to sleep on
     * the lock (tx_sock_wait). Left out, all were late (checked).
     */
    @ParameterizedTest
    @ValueSource(strings = {"first-copy", "sys_enter"})
    void aWriteThatWaitsForTheSocketsLockIsStampedBeforeTheWait(String writeEntry) throws Throwable {
        System.setProperty(WriteEntry.PROPERTY, writeEntry);
        final long big = 8 << 20;
        final long small = 4096;
        final int rounds = 32;
        try (TestNetwork net = TestNetwork.create(); Arena arena = Arena.ofShared()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.75.10.1/24", "b", "10.75.10.2/24");
            net.exec("a", "sysctl", "-qw", "net.ipv4.tcp_wmem=4096 16777216 16777216");
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("10.75.10.2"), PORT);
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            MemorySegment bigBuf = arena.allocate(big);
            MemorySegment outq = arena.allocate(JAVA_INT);
            MemorySegment smallBuf = arena.allocate(small).fill((byte) 0xAA); // B's bytes are zeros
            smallBuf.set(ValueLayout.JAVA_BYTE, 0, A_FIRST); // where each of A's writes begins
            List<Long> aBlocks = Collections.synchronizedList(new ArrayList<>()); // where the reader found A's writes
            long[] aStart = new long[rounds];
            long[] aEnd = new long[rounds];
            boolean[] aSlept = new boolean[rounds];
            try (ServerSocketChannel ss = b.run(() -> ServerSocketChannel.open().bind(server));
                 LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(PORT).stride(STRIDE)
                         .layers(Layer.SOCKET).probeCost(false).start(paths::add)) {
                MemorySegment addr = arena.allocate(16);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) 2); // AF_INET
                addr.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 2, (short) PORT);
                addr.asSlice(4, 4).copyFrom(MemorySegment.ofArray(server.getAddress().getAddress()));
                int fd = a.run(() -> {
                    try {
                        int f = (int) SOCKET.invokeExact(2, 1, 0); // AF_INET, SOCK_STREAM
                        assertThat((int) CONNECT.invokeExact(f, addr, 16)).as("connect(2)").isZero();
                        return f;
                    } catch (Throwable e) {
                        throw new RuntimeException(e);
                    }
                });
                try (SocketChannel accepted = ss.accept()) {
                    Thread reader = Thread.ofPlatform().start(() -> { // finds A's writes in the stream
                        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                        long pos = 0;
                        try {
                            for (int n; (n = accepted.read(buf.clear())) > 0; pos += n) {
                                byte[] bytes = buf.array();
                                for (int i = 0; i < n; i++) {
                                    if (bytes[i] == A_FIRST) {
                                        aBlocks.add(pos + i);
                                    }
                                }
                            }
                        } catch (Exception e) {
                            // the connection closed
                        }
                    });
                    ExecutorService writerA = Executors.newSingleThreadExecutor();
                    ExecutorService writerB = Executors.newSingleThreadExecutor();
                    try {
                        writerA.submit(() -> { // A's first marker gives its thread BPF task storage
                            writeAll(fd, smallBuf);
                            return null;
                        }).get();
                        for (int r = 0; r < rounds; r++) {
                            CountDownLatch bWrites = new CountDownLatch(1);
                            Future<?> fb = writerB.submit(() -> {
                                bWrites.countDown();
                                writeAll(fd, bigBuf);
                                return null;
                            });
                            int round = r;
                            Future<?> fa = writerA.submit(() -> {
                                bWrites.await();
                                // once B's copy has begun (the previous round's bytes were all acknowledged,
                                // so the send queue was empty), B holds the socket's lock for the rest of it
                                long giveUp = System.nanoTime() + 100_000_000;
                                while (unsent(fd, outq) == 0 && System.nanoTime() < giveUp) {
                                    Thread.onSpinWait();
                                }
                                Path status = Path.of("/proc/self/task/" + gettid() + "/status");
                                long before = voluntarySwitches(status);
                                aStart[round] = System.nanoTime();
                                writeAll(fd, smallBuf);
                                aEnd[round] = System.nanoTime();
                                // it went to sleep in the call: here only on the socket's lock
                                aSlept[round] = voluntarySwitches(status) > before;
                                return null;
                            });
                            fb.get();
                            fa.get();
                            Thread.sleep(20); // the reader drains the round
                        }
                    } finally {
                        writerA.shutdownNow();
                        writerB.shutdownNow();
                        int rc = (int) CLOSE.invokeExact(fd);
                    }
                    reader.join();
                }
                s.close();
            }
            List<MarkerRecord> sent = SentMarkers.toPort(paths, PORT);
            long first = SentMarkers.firstSequence(sent);
            // the reader found where each of A's writes lies in the stream (the first, then one per
            // round); a marker's offset from the first marker is at most a stride short of its own
            assertThat(aBlocks).as("A's writes the reader found").hasSize(rounds + 1);
            List<String> waited = new ArrayList<>();
            List<Long> calls = new ArrayList<>();
            List<String> late = new ArrayList<>();
            int checked = 0;
            for (int r = 0; r < rounds; r++) {
                calls.add((aEnd[r] - aStart[r]) / 1000);
                long aOffset = aBlocks.get(r + 1);
                boolean afterB = aOffset == aBlocks.get(r) + small + big; // B's bytes went first this round
                if (!afterB || !aSlept[r] || aEnd[r] - aStart[r] < 150_000) {
                    continue; // A copied first, or hardly waited for B's copy
                }
                waited.add((aEnd[r] - aStart[r]) / 1000 + " us");
                for (MarkerRecord m : sent) {
                    long o = SentMarkers.offset(m, first);
                    if (o < aOffset || o >= aOffset + small - STRIDE) {
                        continue;
                    }
                    long txSock = m.stamp(Point.TX_SOCK).map(MarkerRecord.Stamp::nanos).orElse(-1L);
                    checked++;
                    // stamped before the sleep, which took most of the call (at the copy: microseconds before the return)
                    if (txSock < aStart[r] - 2_000 || aEnd[r] - txSock < (aEnd[r] - aStart[r]) / 2) {
                        late.add("round " + r + ": tx.sock " + (txSock - aStart[r]) / 1000 + " us after A's start and "
                                + (aEnd[r] - txSock) / 1000 + " us before its return, of " + (aEnd[r] - aStart[r]) / 1000 + " us");
                    }
                }
            }
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < aBlocks.size(); i++) {
                gaps.add(aBlocks.get(i) - aBlocks.get(i - 1) - small);
            }
            System.out.println("bytes between A's writes: " + gaps + "; voluntary switches in A's calls: "
                    + java.util.Arrays.toString(aSlept));
            System.out.println(writeEntry + ": A's calls took " + calls + " us; it slept behind B's copy in " + waited.size()
                    + " of " + rounds + " rounds, " + checked + " of A's markers checked, " + late.size() + " stamped after the sleep");
            assertThat(waited).as("rounds in which A slept behind B's copy").hasSizeGreaterThanOrEqualTo(3);
            assertThat(checked).as("A's markers in those rounds").isGreaterThanOrEqualTo(waited.size() * 2);
            assertThat(late).as("A's markers not stamped at A's call").isEmpty();
        }
    }
}
