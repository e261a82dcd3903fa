package io.latscope.report;

import io.latscope.CumulativeReport;
import io.latscope.LatencyReport;
import io.latscope.error.ConfigurationException;
import io.latscope.store.ResultStore;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run directory, as {@link RunRecorder} writes it and {@code latscope run} leaves it:
 * <ul>
 *   <li>{@value #INTERVALS_HLOG}: every interval's histograms, HdrHistogram's log format;</li>
 *   <li>{@value #INTERVALS_YAML}: the rest of every interval's report (counters, flows,
 *       processes, clocks), one YAML document per interval;</li>
 *   <li>{@value #REPORT_TXT}, {@value #REPORT_HTML}: the final report as a table and with charts;</li>
 *   <li>{@value #SPEC_YAML}: the spec the run measured with (written by the command line).</li>
 * </ul>
 */
public final class RunDirectory {
    /** Every interval's histograms, as an HdrHistogram log. */
    public static final String INTERVALS_HLOG = "intervals.hlog";
    /** The rest of every interval's report, one YAML document each. */
    public static final String INTERVALS_YAML = "intervals.yaml";
    /** The final report as a table. */
    public static final String REPORT_TXT = "report.txt";
    /** The final report with charts. */
    public static final String REPORT_HTML = "report.html";
    /** The spec the run measured with. */
    public static final String SPEC_YAML = "spec.yaml";

    private RunDirectory() {
    }

    /**
     * The run files a directory holds already: a run recorded into it would replace them.
     *
     * @param dir a directory, which need not exist
     * @return the names of the run files in it, in the order of this class's constants; empty if none
     */
    public static List<String> runFilesIn(Path dir) {
        return java.util.stream.Stream.of(SPEC_YAML, INTERVALS_HLOG, INTERVALS_YAML, REPORT_TXT, REPORT_HTML)
                .filter(f -> Files.exists(dir.resolve(f))).toList();
    }

    /**
     * Reads a run directory back: every interval, and the whole session merged from them.
     *
     * @param dir the directory
     * @return the run
     * @throws ConfigurationException when {@code dir} is not a run directory
     */
    @SuppressWarnings("unchecked")
    public static Run read(Path dir) {
        Path hlog = dir.resolve(INTERVALS_HLOG);
        Path yaml = dir.resolve(INTERVALS_YAML);
        if (!Files.isRegularFile(hlog) || !Files.isRegularFile(yaml)) {
            throw new ConfigurationException(dir + " is not a LatScope run directory (it has no " + INTERVALS_HLOG + " and "
                    + INTERVALS_YAML + "): give a directory written by 'latscope run --out DIR' or 'latscope watch --out DIR'");
        }
        CumulativeReport total = new CumulativeReport();
        List<IntervalSummary> summaries = new ArrayList<>();
        String session = null;
        Instant start = null;
        Instant end = null;
        try (Reader r = Files.newBufferedReader(yaml, StandardCharsets.UTF_8)) {
            Histograms histograms = new Histograms(new HistogramLogReader(hlog.toFile()));
            for (Object doc : new Load(LoadSettings.builder().setLabel(yaml.toString()).build()).loadAllFromReader(r)) {
                if (!(doc instanceof Map<?, ?> m)) {
                    continue;
                }
                Map<String, Object> fields = (Map<String, Object>) m;
                Instant s = Instant.parse((String) fields.get("start"));
                LatencyReport interval = IntervalRecords.read(fields, histograms.at(s.toEpochMilli()));
                total.add(interval);
                summaries.add(IntervalSummary.of(interval));
                session = interval.sessionId();
                start = start == null ? interval.start() : start;
                end = interval.end();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the run directory " + dir, e);
        } catch (YamlEngineException | ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new ConfigurationException(yaml + " is damaged: " + e.getMessage(), e);
        }
        if (session == null) {
            throw new ConfigurationException(dir + " holds no interval yet (was the run stopped in its first interval?)");
        }
        LatencyReport t = total.build(session, start, end);
        String title = t.provenance().label().isEmpty() ? dir.getFileName().toString() : t.provenance().label();
        return new Run(title, t, summaries);
    }

    /**
     * A stored session as a run: its whole report and each stored interval.
     *
     * @param store     an open store
     * @param sessionId the session
     * @return the run
     * @throws ConfigurationException when the store does not hold the session
     */
    public static Run read(ResultStore store, String sessionId) {
        LatencyReport total = store.load(sessionId).orElseThrow(() -> new ConfigurationException("no session '" + sessionId
                + "' in " + store.description() + "; sessions there: " + store.sessions().stream().limit(10)
                .map(s -> s.id()).toList()));
        List<IntervalSummary> summaries = new ArrayList<>();
        store.forEachInterval(sessionId, r -> summaries.add(IntervalSummary.of(r)));
        summaries.sort(java.util.Comparator.comparing(IntervalSummary::start));
        String title = total.provenance().label().isEmpty() ? sessionId : total.provenance().label();
        return new Run(title, total, summaries);
    }

    /** The histograms of the .hlog, one interval at a time (the log holds the intervals in the YAML's order). */
    private static final class Histograms {
        private final HistogramLogReader reader;
        private EncodableHistogram next;

        Histograms(HistogramLogReader reader) {
            this.reader = reader;
            this.next = reader.nextIntervalHistogram();
        }

        /** The tagged histograms of the interval that starts at {@code startMs} (the log keeps milliseconds). */
        Map<String, Histogram> at(long startMs) {
            Map<String, Histogram> out = new HashMap<>();
            while (next != null && next.getStartTimeStamp() < startMs - 1) {
                next = reader.nextIntervalHistogram(); // an entry of an interval the YAML lacks
            }
            while (next != null && Math.abs(next.getStartTimeStamp() - startMs) <= 1) {
                if (next.getTag() != null && next instanceof Histogram h) {
                    out.put(next.getTag(), h);
                }
                next = reader.nextIntervalHistogram();
            }
            return out;
        }
    }
}
