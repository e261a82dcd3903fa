package io.latscope.agent;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.Layer;
import io.latscope.MarkerPath;
import io.latscope.MarkerRecord;
import io.latscope.Point;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write's entry is kept per thread: the copy loop takes it only while the thread's
 * registers still show the call that noted it (probes.bpf.c, write_began and
 * first_copy_began). Here one thread alternates a write() and a sendfile() on one socket,
 * 10 ms apart. sys_enter notes the write and not the sendfile, so the sendfile's bytes must be
 * stamped at their copy; at the first copy pass, each call (each of sendfile's chunks) has
 * its own entry. Either way never at the earlier write's entry, and the write's bytes at or
 * after its start.
 */
@KernelTest
class WriteEntryTest {
    private static final int STRIDE = 4096;
    private static final int ROUNDS = 50;
    private static final int PORT = 5312;

    @AfterEach
    void clearProperty() {
        System.clearProperty(WriteEntry.PROPERTY);
    }

    /** Where trampolines are refused: the first copy pass (the default there) and the system call's entry. */
    @ParameterizedTest
    @ValueSource(strings = {"first-copy", "sys_enter"})
    void aSendfileAfterAWriteIsNotStampedAtTheWritesEntry(String writeEntry) throws Exception {
        System.setProperty(WriteEntry.PROPERTY, writeEntry);
        Path file = Files.createTempFile("latscope-sendfile", ".bin");
        try (TestNetwork net = TestNetwork.create()) {
            Files.write(file, new byte[STRIDE]);
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.75.7.1/24", "b", "10.75.7.2/24");
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("10.75.7.2"), PORT);
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            long[] writeStarts = new long[ROUNDS];
            long[] sendfileStarts = new long[ROUNDS];
            try (ServerSocketChannel ss = b.run(() -> ServerSocketChannel.open().bind(server));
                 LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(PORT).stride(STRIDE)
                         .layers(Layer.SOCKET).syscallBoundaries(true).probeCost(false).start(paths::add);
                 SocketChannel client = a.run(() -> SocketChannel.open(server));
                 SocketChannel accepted = ss.accept();
                 FileChannel in = FileChannel.open(file)) {
                assertThat(((LocalSession) s).socketBoundaries().get(ProbePoint.TX_SOCK)).as("where tx.SOCKET starts")
                        .isEqualTo((writeEntry.equals("first-copy") ? WriteEntry.FIRST_COPY : WriteEntry.SYS_ENTER).boundary);
                Thread reader = Thread.ofPlatform().start(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                    try {
                        while (accepted.read(buf.clear()) > 0) {
                            // drain
                        }
                    } catch (Exception e) {
                        // the connection closed
                    }
                });
                ByteBuffer data = ByteBuffer.allocateDirect(STRIDE); // one address: the same write() arguments each round
                for (int i = 0; i < ROUNDS; i++) {
                    writeStarts[i] = System.nanoTime();
                    data.clear();
                    while (data.hasRemaining()) {
                        client.write(data);
                    }
                    Thread.sleep(5);
                    sendfileStarts[i] = System.nanoTime();
                    for (long done = 0; done < STRIDE; ) {
                        done += in.transferTo(done, STRIDE - done, client); // sendfile(2) on Linux
                    }
                    Thread.sleep(5);
                }
                client.shutdownOutput();
                reader.join();
                s.close();
            }
            // each STRIDE bytes of the stream hold one marker: chunk 2i is round i's write, 2i + 1 its sendfile
            List<MarkerRecord> sent = SentMarkers.toPort(paths, PORT);
            assertThat(sent).as("markers of the sent stream").hasSizeGreaterThanOrEqualTo(2 * ROUNDS * 9 / 10);
            long first = SentMarkers.firstSequence(sent);
            List<String> wrong = new ArrayList<>();
            int writes = 0;
            int sendfiles = 0;
            for (MarkerRecord m : sent) {
                int chunk = (int) (SentMarkers.offset(m, first) / STRIDE);
                long txSock = m.stamps().stream().filter(st -> st.point() == Point.TX_SOCK).mapToLong(MarkerRecord.Stamp::nanos)
                        .findFirst().orElse(-1);
                if (txSock < 0 || chunk >= 2 * ROUNDS) {
                    continue;
                }
                int round = chunk / 2;
                if (chunk % 2 == 1) {
                    sendfiles++;
                    if (txSock < sendfileStarts[round]) {
                        wrong.add("sendfile of round " + round + ": tx.sock " + (sendfileStarts[round] - txSock) / 1000
                                + " us before the call (" + (txSock - writeStarts[round]) / 1000 + " us after the write's start)");
                    }
                } else {
                    writes++;
                    if (txSock < writeStarts[round] || txSock >= sendfileStarts[round]) {
                        wrong.add("write of round " + round + ": tx.sock " + (txSock - writeStarts[round]) / 1000
                                + " us after the call began");
                    }
                }
            }
            assertThat(writes).as("write markers with a tx.sock stamp").isGreaterThanOrEqualTo(ROUNDS * 9 / 10);
            assertThat(sendfiles).as("sendfile markers with a tx.sock stamp").isGreaterThanOrEqualTo(ROUNDS * 9 / 10);
            assertThat(wrong).isEmpty();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
