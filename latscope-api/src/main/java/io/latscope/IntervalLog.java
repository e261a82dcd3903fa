package io.latscope;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A session's interval reports as an HdrHistogram log ({@code .hlog}), one interval after
 * the other, as HdrHistogram's {@code HistogramLogProcessor} and HistogramLogAnalyzer read
 * them. Register it when the session starts; it writes each interval as it closes:
 *
 * <pre>{@code
 * try (IntervalLog log = IntervalLog.open(Path.of("run.hlog"));
 *      LatScopeSession s = spec.start(log)) { runLoad(); }
 * // java -cp HdrHistogram.jar org.HdrHistogram.HistogramLogProcessor -i run.hlog -tag tx.TCP
 * }</pre>
 *
 * Every interval carries, for each hop, a histogram tagged as the hop was measured
 * ({@code tx.TCP@client}, {@code END_TO_END@client->server}) and one merged over its
 * scopes ({@code tx.TCP}, {@code END_TO_END}), so every tag a reader may ask for is in every
 * interval where the hop has samples; the untagged histogram is END_TO_END merged (or the
 * first hop when END_TO_END was not measured), for tools that read untagged histograms
 * only. The header holds the session's id, its provenance (the spec's settings and the
 * kernels) and the start time. Values are nanoseconds. Thread-safe.
 */
public final class IntervalLog implements SessionListener.IntervalsOnly, AutoCloseable {
    private final PrintStream out;
    private final HistogramLogWriter writer;
    private final List<String> header;
    private final boolean closeStream;
    private boolean headed;
    private boolean closed;

    private IntervalLog(OutputStream out, List<String> header, boolean closeStream) {
        this.out = new PrintStream(Objects.requireNonNull(out, "out"), false, StandardCharsets.UTF_8);
        this.writer = new HistogramLogWriter(this.out);
        this.header = List.copyOf(header);
        this.closeStream = closeStream;
    }

    /**
     * A log in a new file (replaced if it exists).
     *
     * @param file   the .hlog file
     * @param header extra comment lines for the header (e.g. the spec), without {@code #}
     * @return the log, to register with {@link SessionSpec#start(SessionListener)}
     */
    public static IntervalLog open(Path file, String... header) {
        try {
            return new IntervalLog(Files.newOutputStream(file), List.of(header), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the interval log " + file, e);
        }
    }

    /**
     * A log written to a stream (left open by {@link #close()}).
     *
     * @param out    where
     * @param header extra comment lines for the header, without {@code #}
     * @return the log
     */
    public static IntervalLog to(OutputStream out, String... header) {
        return new IntervalLog(out, List.of(header), false);
    }


    @Override
    public void onInterval(LatencyReport interval) {
        write(interval);
    }

    /**
     * Appends a report's histograms (an interval, or a whole session as one entry).
     *
     * @param r the report; the first one written gives the header its session, provenance and start time
     */
    public synchronized void write(LatencyReport r) {
        if (closed) {
            return;
        }
        long startMs = r.start().toEpochMilli();
        if (!headed) {
            headed = true;
            writer.outputComment("LatScope session " + r.sessionId() + ", values in nanoseconds");
            writer.outputComment("measured with " + r.provenance());
            for (String line : header) {
                for (String l : line.split("\n")) {
                    writer.outputComment(l);
                }
            }
            writer.outputComment("tags: each hop as measured (tx.TCP@ns) and merged over its scopes (tx.TCP);"
                    + " untagged: END_TO_END merged");
            writer.outputLogFormatVersion();
            writer.outputStartTime(startMs);
            writer.setBaseTime(startMs);
            writer.outputLegend();
        }
        for (Map.Entry<String, Histogram> e : tagged(r).entrySet()) {
            Histogram h = e.getValue();
            h.setTag(e.getKey());
            h.setStartTimeStamp(startMs);
            h.setEndTimeStamp(r.end().toEpochMilli());
            writer.outputIntervalHistogram(h);
        }
        out.flush();
        if (out.checkError()) {
            throw new UncheckedIOException(new IOException("writing the interval log failed"));
        }
    }

    /**
     * The histograms of a report as a log holds them: by tag (null = untagged), each a copy.
     *
     * @param r a report
     * @return tag to histogram, the untagged one first
     */
    static Map<String, Histogram> tagged(LatencyReport r) {
        Map<String, Histogram> byTag = new LinkedHashMap<>();
        List<Hop> kinds = new ArrayList<>();
        for (HopStats h : r.hops()) {
            Hop kind = h.hop().unscoped();
            if (!kinds.contains(kind)) {
                kinds.add(kind);
            }
        }
        if (!kinds.isEmpty()) {
            Hop first = kinds.contains(Hop.END_TO_END) ? Hop.END_TO_END : kinds.getFirst();
            byTag.put(null, r.hop(first).histogram().copy());
        }
        for (Hop kind : kinds) {
            byTag.put(tag(kind), r.hop(kind).histogram().copy());
            for (HopStats h : r.hops()) {
                if (h.hop().unscoped().equals(kind)) {
                    Hop scoped = h.hop().isScoped() ? h.hop() : scopeOf(r, kind);
                    if (scoped.isScoped()) {
                        byTag.put(tag(scoped), h.histogram().copy());
                    }
                }
            }
        }
        return byTag;
    }

    private static Hop scopeOf(LatencyReport r, Hop kind) {
        String s = r.soleScope(kind);
        return s == null ? kind : kind.in(s);
    }

    /** A hop's tag: its name, with the characters a log line cannot hold in a tag replaced. */
    static String tag(Hop h) {
        return h.toString().replaceAll("[\\s,]", "_");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        out.flush();
        if (closeStream) {
            out.close();
        }
    }
}
