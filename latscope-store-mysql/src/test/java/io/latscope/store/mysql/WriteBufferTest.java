package io.latscope.store.mysql;

import io.latscope.testing.TestReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class WriteBufferTest {
    @TempDir
    Path dir;

    private final SessionKeys keys = new SessionKeys("s");

    private RowSet markers(int from) {
        return ReportRows.markers(keys, from, TestReports.markers(from, 10));
    }

    /** The first record number of each row set taken, in the order the writer would write them. */
    private static List<Long> drain(WriteBuffer b) throws Exception {
        List<Long> order = new ArrayList<>();
        while (true) {
            List<RowSet> batch = b.take(25, Duration.ZERO);
            if (batch.isEmpty()) {
                return order;
            }
            batch.forEach(s -> order.add((Long) s.rows().getFirst().values()[1]));
            b.batchWritten();
        }
    }

    @Test
    void beyondTheMemoryBoundDataIsSpilledAndStillComesOutInOrder() throws Exception {
        long oneSet = markers(0).estimatedBytes();
        WriteBuffer b = new WriteBuffer(oneSet * 3, dir);
        for (int i = 0; i < 10; i++) {
            b.add(markers(i * 10));
        }
        assertThat(b.pending()).isEqualTo(100);
        assertThat(b.spilled()).isEqualTo(70);
        // Memory has room again, but the file is not empty: new data must queue behind it.
        b.take(25, Duration.ZERO);
        b.batchWritten();
        b.add(markers(100));
        assertThat(b.spilled()).isEqualTo(80);

        List<Long> order = drain(b);
        assertThat(order).containsExactly(30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
        assertThat(b.pending()).isZero();
        assertThat(b.spilled()).isZero();
        assertThat(b.writtenItems()).isEqualTo(110);
        assertThat(b.persistUnwritten()).isNull();
        assertThat(dir).as("an empty spill directory is removed").doesNotExist();
    }

    @Test
    void whatIsUnwrittenAtCloseIsReplayedByTheNextBuffer() throws Exception {
        WriteBuffer b = new WriteBuffer(markers(0).estimatedBytes() * 2, dir);
        for (int i = 0; i < 6; i++) {
            b.add(markers(i * 10));
        }
        b.take(15, Duration.ZERO); // in flight when the store closes
        Path kept = b.persistUnwritten();
        assertThat(kept).exists();
        assertThat(spillFiles()).containsExactly(kept);

        WriteBuffer next = new WriteBuffer(1 << 20, dir);
        assertThat(next.adoptLeftovers()).isEqualTo(60);
        next.add(markers(60));
        assertThat(drain(next)).containsExactly(0L, 10L, 20L, 30L, 40L, 50L, 60L);
        assertThat(next.persistUnwritten()).isNull();
        assertThat(dir).doesNotExist();
    }

    @Test
    void flushWaitsForWhatWasAddedBefore() throws Exception {
        WriteBuffer b = new WriteBuffer(1 << 20, dir);
        b.add(markers(0));
        assertThat(b.awaitWritten(b.added(), Duration.ofMillis(50))).isFalse();
        b.take(100, Duration.ZERO);
        b.batchWritten();
        assertThat(b.awaitWritten(b.added(), Duration.ofMillis(50))).isTrue();
    }

    private List<Path> spillFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".spill")).toList();
        }
    }
}
