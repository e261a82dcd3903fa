package io.latscope.agent;

import io.latscope.*;

import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.MarkerRecord;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write's entry (the system call's, or its first pass of the copy loop) is kept per
 * thread, for as long as the thread is in that call. A writer that blocks (the receiver reads slowly) and is moved to the other CPU while
 * blocked must keep its entry for the rest of that write, and a later write must not take
 * an older entry as its own. Here another thread moves the writer between the two CPUs
 * every few hundred microseconds. Every marker's tx.sock stamp must lie after the
 * application started the write that carried it (both are CLOCK_MONOTONIC), and nearly all
 * must be that write's entry, not the copy milliseconds later: 95 % within 200 us of the
 * write's start (99.7-99.8 % measured); an entry kept per CPU (as before 2026-12-06) was lost
 * at each move, the copy loop's later passes then stamped at the copy, and 82 % came that
 * close.
 */
@KernelTest
class SocketBoundaryMigrationTest {
    private static final int STRIDE = 4096;
    private static final int WRITE = 64 * 1024;
    private static final int WRITES = 3000;
    /** The application's way into the kernel: a few microseconds, up to ~50 after a preemption on these VMs. */
    private static final long ENTRY_WITHIN_NANOS = 200_000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETTID = LINKER.downcallHandle(LINKER.defaultLookup().find("gettid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle SETAFFINITY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    @AfterEach
    void clearProperty() {
        System.clearProperty(WriteEntry.PROPERTY);
    }

    /** Where trampolines are refused: the first copy pass (the default there) and the system call's entry. */
    @ParameterizedTest
    @ValueSource(strings = {"first-copy", "sys_enter"})
    void aWriteMovedBetweenCpusNeverStartsBeforeTheApplicationCalledIt(String writeEntry) throws Exception {
        System.setProperty(WriteEntry.PROPERTY, writeEntry);
        assertThat(Runtime.getRuntime().availableProcessors()).as("needs two CPUs to move the writer between").isGreaterThanOrEqualTo(2);
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.75.6.1/24", "b", "10.75.6.2/24");
            InetAddress server = InetAddress.getByName("10.75.6.2");
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            long[] starts = new long[WRITES];
            AtomicInteger writerTid = new AtomicInteger();
            AtomicLong moves = new AtomicLong();
            try (ServerSocket ss = b.run(() -> new ServerSocket(5311, 1, server));
                 LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5311).stride(STRIDE).layers(Layer.SOCKET)
                         .syscallBoundaries(true)
                         .probeCost(false).start(paths::add);
                 Socket client = a.run(() -> new Socket(server, 5311));
                 Socket accepted = ss.accept()) {
                client.setSendBufferSize(64 * 1024);
                assertThat(((LocalSession) s).socketBoundaries().get(ProbePoint.TX_SOCK)).as("where tx.SOCKET starts")
                        .isEqualTo((writeEntry.equals("first-copy") ? WriteEntry.FIRST_COPY : WriteEntry.SYS_ENTER).boundary);
                Thread reader = Thread.ofPlatform().start(() -> {
                    try (InputStream in = accepted.getInputStream()) {
                        byte[] buf = new byte[16 * 1024];
                        while (in.read(buf) > 0) {
                            Thread.sleep(0, 200_000); // slow: the writer blocks for buffer space
                        }
                    } catch (Exception e) {
                        // the connection closed
                    }
                });
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        writerTid.set((int) GETTID.invokeExact());
                        OutputStream out = client.getOutputStream();
                        byte[] data = new byte[WRITE];
                        for (int i = 0; i < WRITES; i++) {
                            starts[i] = System.nanoTime();
                            out.write(data);
                        }
                        client.shutdownOutput();
                    } catch (Throwable e) {
                        throw new RuntimeException(e);
                    }
                });
                AtomicBoolean done = new AtomicBoolean();
                Thread mover = Thread.ofPlatform().start(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment mask = arena.allocate(128);
                        while (writerTid.get() == 0) {
                            Thread.onSpinWait();
                        }
                        for (int cpu = 0; !done.get(); cpu ^= 1) {
                            mask.fill((byte) 0);
                            mask.set(ValueLayout.JAVA_BYTE, 0, (byte) (1 << cpu));
                            int rc = (int) SETAFFINITY.invokeExact(writerTid.get(), 128L, mask);
                            if (rc == 0) {
                                moves.incrementAndGet();
                            }
                            Thread.sleep(0, 300_000);
                        }
                    } catch (Throwable e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.join();
                done.set(true);
                mover.join();
                reader.join();
                s.close();
            }
            assertThat(moves.get()).as("affinity changes").isGreaterThan(100);
            // markers in stream order; the first one lies in the first stride of the stream,
            // so marker k is in write k / (WRITE / STRIDE) (WRITE is a multiple of STRIDE)
            List<MarkerRecord> sent = SentMarkers.toPort(paths, 5311);
            long first = SentMarkers.firstSequence(sent);
            assertThat(sent).as("markers of the sent stream").hasSizeGreaterThan(WRITES * (WRITE / STRIDE) * 9 / 10);
            int checked = 0;
            int atEntry = 0;
            List<String> early = new ArrayList<>();
            for (MarkerRecord m : sent) {
                long k = SentMarkers.offset(m, first) / STRIDE;
                int write = (int) (k / (WRITE / STRIDE));
                long txSock = m.stamps().stream().filter(st -> st.point() == Point.TX_SOCK).mapToLong(MarkerRecord.Stamp::nanos)
                        .findFirst().orElse(-1);
                if (txSock < 0 || write >= WRITES) {
                    continue;
                }
                checked++;
                if (txSock < starts[write]) {
                    early.add("marker " + k + " of write " + write + ": tx.sock " + (starts[write] - txSock) + " ns before the call");
                } else if (txSock - starts[write] <= ENTRY_WITHIN_NANOS) {
                    atEntry++;
                }
            }
            assertThat(checked).isGreaterThan(WRITES * (WRITE / STRIDE) * 9 / 10);
            assertThat(early).as("tx.sock stamps before the application's write (%d markers checked, %d moves)", checked,
                    moves.get()).isEmpty();
            System.out.printf("tx.sock at the write's entry (within %d us) for %d of %d markers, %d moves%n",
                    ENTRY_WITHIN_NANOS / 1000, atEntry, checked, moves.get());
            assertThat(atEntry).as("markers stamped within %d us of their write's start, of %d (%d moves)",
                    ENTRY_WITHIN_NANOS / 1000, checked, moves.get()).isGreaterThanOrEqualTo(checked * 95 / 100);
        }
    }
}
