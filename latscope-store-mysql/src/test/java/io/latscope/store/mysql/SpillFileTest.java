package io.latscope.store.mysql;

import io.latscope.testing.TestReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpillFileTest {
    @TempDir
    Path dir;

    private static final SessionKeys KEYS = new SessionKeys("s");

    /** Fresh keys each time, so the same call always gives the same rows (flow rows included). */
    private static RowSet interval(int seq) {
        return ReportRows.interval(new SessionKeys("s"), seq, TestReports.interval("s", seq, 3));
    }

    /** Row sets compare by content (arrays inside rows compare by identity). */
    private static void assertSameRows(RowSet actual, RowSet expected) {
        assertThat(actual.items()).isEqualTo(expected.items());
        assertThat(actual.rows()).hasSameSizeAs(expected.rows());
        for (int i = 0; i < expected.rows().size(); i++) {
            assertThat(actual.rows().get(i).table()).isEqualTo(expected.rows().get(i).table());
            assertThat(actual.rows().get(i).values()).isEqualTo(expected.rows().get(i).values());
        }
    }

    @Test
    void rowSetsComeBackInOrderWithEveryValueType() throws IOException {
        List<RowSet> sets = List.of(ReportRows.sessionStarted(TestReports.session("s")), interval(0),
                ReportRows.markers(KEYS, 0, TestReports.markers(0, 5)), ReportRows.sessionEnded("s", TestReports.T0));
        try (SpillFile f = SpillFile.create(dir)) {
            for (RowSet s : sets) {
                f.append(s);
            }
            assertThat(f.unreadItems()).isEqualTo(1 + 1 + 5 + 1);
            for (RowSet s : sets) {
                assertSameRows(f.next(), s);
            }
            assertThat(f.next()).isNull();
        }
    }

    @Test
    void fileIsReusedOnlyOnceEverythingHandedOutWasWritten() throws IOException {
        try (SpillFile f = SpillFile.create(dir)) {
            f.append(interval(0));
            f.next();
            long size = Files.size(f.path());
            f.append(interval(1));
            assertThat(Files.size(f.path())).isGreaterThan(size);
            f.next();
            f.written(1);
            assertThat(Files.size(f.path())).as("one entry still handed out").isGreaterThan(16);
            f.written(1);
            assertThat(Files.size(f.path())).isEqualTo(16);
        }
    }

    @Test
    void leftoverFileIsAdoptedOnceUnlockedAndATornTailIsCutOff() throws IOException {
        Path path;
        try (SpillFile f = SpillFile.create(dir)) {
            f.append(interval(0));
            f.append(interval(1));
            path = f.path();
            assertThat(SpillFile.adopt(path)).as("locked by its owner").isEmpty();
        }
        // The process died in the middle of appending a third entry.
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 0, 0, 0, 1, 9, 9}));
        }
        try (SpillFile f = SpillFile.adopt(path).orElseThrow()) {
            assertThat(f.unreadItems()).isEqualTo(2);
            assertSameRows(f.next(), interval(0));
            assertSameRows(f.next(), interval(1));
            assertThat(f.next()).isNull();
        }
    }

    @Test
    void fileOfAnotherLayoutIsLeftAlone() throws IOException {
        Path p = dir.resolve("other.spill");
        Files.write(p, ByteBuffer.allocate(16).putLong(0x4c617453_70696c6cL).putLong(42).array());
        assertThat(SpillFile.adopt(p)).isEmpty();
        assertThat(p).exists();
    }
}
