package io.latscope;

import io.latscope.testing.TestReports;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogProcessor;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Interval logs as HdrHistogram's own tools read them: HistogramLogProcessor, for every tag a
 * user may ask for — merged ({@code tx.DEV}), as measured ({@code tx.DEV@ns1}), a sole scope
 * shown unscoped ({@code rx.IP}, also as {@code rx.IP@ns2}) — and untagged.
 */
class IntervalLogTest {
    @TempDir
    Path dir;

    @Test
    void histogramLogProcessorReadsEveryTag() throws Exception {
        Path log = dir.resolve("run.hlog");
        List<LatencyReport> intervals = TestReports.intervals("s-1", 3, 7);
        try (IntervalLog l = IntervalLog.open(log, "spec: ports=5001")) {
            intervals.forEach(l::onInterval);
        }
        String text = Files.readString(log);
        assertThat(text).contains("#LatScope session s-1", "#measured with", "#spec: ports=5001", "#[StartTime: ");
        for (String tag : List.of("tx.DEV", "tx.DEV@ns1", "VETH", "VETH@ns1", "rx.IP", "rx.IP@ns2", "tx.TCP", "END_TO_END")) {
            Hop hop = Hop.parse(tag);
            long expected = intervals.stream().mapToLong(r -> r.hop(hop).count()).sum();
            assertThat(totalCount(processed(log, tag))).as(tag).isEqualTo(expected);
        }
        long e2e = intervals.stream().mapToLong(r -> r.hop(Hop.END_TO_END).count()).sum();
        assertThat(totalCount(processed(log, null))).as("untagged = END_TO_END").isEqualTo(e2e);
    }

    /** The snapshot of a two-namespace session: before, -tag tx.TCP found no histogram and threw a NullPointerException. */
    @Test
    void aTwoNamespaceSnapshotServesTheMergedTag() throws Exception {
        LatencyReport r = LatencyReport.builder("s-2").period(TestReports.T0, TestReports.T0.plusSeconds(2))
                .hop(Hop.TX_TCP.in("a"), TestReports.histogramOf(1000, 2000, 3000))
                .hop(Hop.TX_TCP.in("b"), TestReports.histogramOf(5000))
                .hop(Hop.END_TO_END.in("a->b"), TestReports.histogramOf(9000, 9100))
                .hop(Hop.END_TO_END.in("b->a"), TestReports.histogramOf(8000)).build();
        Path log = dir.resolve("snap.hlog");
        r.writeHlog(log);
        assertThat(totalCount(processed(log, "tx.TCP"))).isEqualTo(4);
        assertThat(totalCount(processed(log, "tx.TCP@b"))).isEqualTo(1);
        assertThat(totalCount(processed(log, "END_TO_END"))).isEqualTo(3);
        assertThat(totalCount(processed(log, "END_TO_END@a->b"))).isEqualTo(2);
        Map<String, Long> read = read(log);
        assertThat(read).containsEntry("tx.TCP", 4L).containsEntry("tx.TCP@a", 3L).containsEntry("", 3L);
    }

    /** Runs HdrHistogram's HistogramLogProcessor as its users do; returns its interval output (.hgrm aside). */
    private Path processed(Path log, String tag) throws Exception {
        Path out = dir.resolve("out-" + (tag == null ? "untagged" : tag.replaceAll("[^A-Za-z0-9.]", "_")));
        List<String> args = new ArrayList<>(List.of("-i", log.toString(), "-o", out.toString(), "-outputValueUnitRatio", "1"));
        if (tag != null) {
            args.addAll(List.of("-tag", tag));
        }
        HistogramLogProcessor p = new HistogramLogProcessor(args.toArray(String[]::new));
        p.run(); // in this thread: an exception fails the test
        return Path.of(out + ".hgrm");
    }

    /** The total count in an .hgrm percentile distribution: its last "#[Max = ..., Total count = N]" line. */
    private static long totalCount(Path hgrm) throws Exception {
        for (String line : Files.readAllLines(hgrm)) {
            int i = line.indexOf("Total count");
            if (i >= 0) {
                return Long.parseLong(line.substring(line.indexOf('=', i) + 1).replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no total count in " + hgrm + ":\n" + Files.readString(hgrm));
    }

    private static Map<String, Long> read(Path log) throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        HistogramLogReader r = new HistogramLogReader(log.toString());
        EncodableHistogram h;
        while ((h = r.nextIntervalHistogram()) != null) {
            out.merge(h.getTag() == null ? "" : h.getTag(), ((Histogram) h).getTotalCount(), Long::sum);
        }
        r.close();
        return out;
    }
}
