package io.latscope.report;

import io.latscope.IntervalLog;
import io.latscope.LatencyReport;
import io.latscope.SessionListener;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a run directory as a session measures: register it when the session starts, and
 * every interval goes to {@code intervals.hlog} (HdrHistogram's log, see {@link IntervalLog})
 * and the rest of its report to {@code intervals.yaml}; {@link #finish} adds the final
 * report as text and HTML. {@link RunDirectory#read} reads it back. Thread-safe.
 *
 * <pre>{@code
 * try (RunRecorder rec = RunRecorder.create(Path.of("run-1"));
 *      LatScopeSession s = spec.start(rec)) {
 *     runLoad();
 *     s.close();
 *     Path html = rec.finish(s.snapshot(), "checkout");
 * }
 * }</pre>
 */
public final class RunRecorder implements SessionListener.IntervalsOnly, AutoCloseable {
    private final Path dir;
    private final IntervalLog hlog;
    private final BufferedWriter yaml;
    private final List<IntervalSummary> summaries = new ArrayList<>();
    private boolean closed;

    private RunRecorder(Path dir, String... header) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        this.hlog = IntervalLog.open(dir.resolve(RunDirectory.INTERVALS_HLOG), header);
        this.yaml = Files.newBufferedWriter(dir.resolve(RunDirectory.INTERVALS_YAML), StandardCharsets.UTF_8);
    }

    /**
     * Starts recording a run into a directory.
     *
     * @param dir    the run directory (made if missing; its run files are replaced)
     * @param header extra comment lines for the .hlog header (e.g. the spec as YAML)
     * @return the recorder
     */
    public static RunRecorder create(Path dir, String... header) {
        try {
            return new RunRecorder(dir, header);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run directory " + dir, e);
        }
    }

    /**
     * Where the run is recorded.
     *
     * @return the run directory
     */
    public Path directory() {
        return dir;
    }


    @Override
    public synchronized void onInterval(LatencyReport interval) {
        if (closed) {
            return;
        }
        hlog.write(interval);
        try {
            yaml.write(IntervalRecords.write(interval));
            yaml.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(RunDirectory.INTERVALS_YAML), e);
        }
        summaries.add(IntervalSummary.of(interval));
    }

    /**
     * The intervals recorded so far, in order.
     *
     * @return their summaries
     */
    public synchronized List<IntervalSummary> intervals() {
        return List.copyOf(summaries);
    }

    /**
     * Closes the interval files and writes the final report: {@code report.txt} (the table)
     * and {@code report.html} (charts).
     *
     * @param total the session's final report
     * @param title a name for people
     * @return the HTML report's path
     */
    public synchronized Path finish(LatencyReport total, String title) {
        close();
        try {
            Files.writeString(dir.resolve(RunDirectory.REPORT_TXT), total.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(RunDirectory.REPORT_TXT), e);
        }
        Path html = dir.resolve(RunDirectory.REPORT_HTML);
        HtmlReport.write(new Run(title, total, summaries), html);
        return html;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        hlog.close();
        try {
            yaml.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + dir.resolve(RunDirectory.INTERVALS_YAML), e);
        }
    }
}
