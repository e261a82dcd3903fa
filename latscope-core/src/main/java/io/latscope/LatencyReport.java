package io.latscope;

import io.latscope.error.ConfigurationException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-hop latency of one session over one period — the whole session so far (cumulative)
 * or one interval. Immutable; the histograms are copies (values in nanoseconds).
 *
 * <pre>{@code
 * LatencyReport r = session.snapshot();
 * r.hop(Hop.TX_TCP).percentile(99);        // a Duration
 * System.out.println(r);                   // a table of every hop
 * }</pre>
 */
public final class LatencyReport {
    /** HdrHistogram range used everywhere: 1 ns to 1 hour at 3 significant digits. */
    public static final long HIGHEST_TRACKABLE_NANOS = 3_600_000_000_000L;
    public static final int SIGNIFICANT_DIGITS = 3;

    private final String sessionId;
    private final Instant start;
    private final Instant end;
    private final boolean interval;
    private final List<HopStats> hops;
    private final Map<FlowKey, List<HopStats>> hopsByFlow;
    private final Counters counters;
    private final List<ProbeCost> probeCosts;
    private final Map<Hop, String> unavailable;
    private final List<FlowStats> flows;
    private final List<ProcessStats> processes;
    private final List<ClockEstimate> clocks;
    private final Map<Hop, String> soleScope;

    private LatencyReport(Builder b) {
        this.sessionId = Objects.requireNonNull(b.sessionId, "sessionId");
        this.start = Objects.requireNonNull(b.start, "start");
        this.end = Objects.requireNonNull(b.end, "end");
        this.interval = b.interval;
        this.hops = List.copyOf(b.hops.values());
        Map<FlowKey, List<HopStats>> byFlow = new LinkedHashMap<>();
        b.hopsByFlow.forEach((f, m) -> byFlow.put(f, List.copyOf(m.values())));
        this.hopsByFlow = Collections.unmodifiableMap(byFlow);
        this.counters = b.counters;
        this.probeCosts = List.copyOf(b.probeCosts);
        this.unavailable = Collections.unmodifiableMap(new LinkedHashMap<>(b.unavailable));
        this.flows = List.copyOf(b.flows);
        this.processes = List.copyOf(b.processes);
        this.clocks = List.copyOf(b.clocks);
        this.soleScope = Map.copyOf(b.soleScope);
    }

    public static Builder builder(String sessionId) {
        return new Builder(sessionId);
    }

    /** The cumulative report of a session from its interval reports; see {@link CumulativeReport}. */
    public static LatencyReport merge(String sessionId, Instant start, Instant end, List<LatencyReport> intervals) {
        CumulativeReport c = new CumulativeReport();
        intervals.forEach(c::add);
        return c.build(sessionId, start, end);
    }

    /** Significant digits of per-flow histograms (1 %): there can be hundreds of flows. */
    public static final int FLOW_SIGNIFICANT_DIGITS = 2;

    /**
     * A fresh per-hop histogram: nanoseconds from 1 ns, 3 significant digits, growing to
     * the largest value recorded (values are clamped to {@link #HIGHEST_TRACKABLE_NANOS}).
     */
    public static Histogram newHistogram() {
        return new Histogram(SIGNIFICANT_DIGITS);
    }

    /** A fresh per-flow histogram: like {@link #newHistogram()} with 2 significant digits. */
    public static Histogram newFlowHistogram() {
        return new Histogram(FLOW_SIGNIFICANT_DIGITS);
    }

    public String sessionId() {
        return sessionId;
    }

    public Instant start() {
        return start;
    }

    public Instant end() {
        return end;
    }

    public Duration duration() {
        return Duration.between(start, end);
    }

    /** True for an interval report, false for a cumulative one. */
    public boolean isInterval() {
        return interval;
    }

    /** Every measured hop, in path order. */
    public List<HopStats> hops() {
        return hops;
    }

    /**
     * The stats of a hop. An unscoped hop (e.g. {@code tx.DEV}) that was measured in several
     * scopes (namespaces or hosts) yields all of them merged.
     *
     * @throws ConfigurationException when the hop was not measured, naming those that were
     */
    public HopStats hop(Hop hop) {
        return findHop(hop).orElseThrow(() -> new ConfigurationException("hop " + hop + " is not in this report; measured: "
                + hops.stream().map(h -> h.hop().toString()).toList()
                + (unavailable.isEmpty() ? "" : "; unavailable: " + unavailable)));
    }

    public Optional<HopStats> findHop(Hop hop) {
        return find(hops, hop);
    }

    /**
     * The scope (namespace or host) of a hop that is shown unscoped because it was measured
     * in that one scope only; null when unknown.
     */
    public String soleScope(Hop unscopedHop) {
        return soleScope.get(unscopedHop);
    }

    /** All sole scopes (see {@link #soleScope(Hop)}). */
    public Map<Hop, String> soleScopes() {
        return soleScope;
    }

    private Optional<HopStats> find(List<HopStats> list, Hop hop) {
        for (HopStats h : list) {
            if (h.hop().equals(hop)) {
                return Optional.of(h);
            }
        }
        if (hop.isScoped()) {
            // shown unscoped because this was its only scope
            Hop plain = hop.unscoped();
            if (hop.scope().equals(soleScope.get(plain))) {
                return find(list, plain).map(h -> new HopStats(hop, h.histogram()));
            }
            return Optional.empty();
        }
        Histogram merged = null;
        for (HopStats h : list) {
            if (h.hop().unscoped().equals(hop)) {
                if (merged == null) {
                    merged = newHistogram();
                }
                merged.add(h.histogram());
            }
        }
        return merged == null ? Optional.empty() : Optional.of(new HopStats(hop, merged));
    }

    public boolean hasHop(Hop hop) {
        return findHop(hop).isPresent();
    }

    /** The flows whose hops were measured. */
    public List<FlowKey> flowKeys() {
        return List.copyOf(hopsByFlow.keySet());
    }

    /** Per-hop stats of one flow (empty if the flow was not seen). */
    public List<HopStats> hops(FlowKey flow) {
        return hopsByFlow.getOrDefault(flow, List.of());
    }

    public Map<FlowKey, List<HopStats>> hopsByFlow() {
        return hopsByFlow;
    }

    public Counters counters() {
        return counters;
    }

    public List<ProbeCost> probeCosts() {
        return probeCosts;
    }

    /** Hops that were asked for but cannot be measured here, with the reason. */
    public Map<Hop, String> unavailable() {
        return unavailable;
    }

    public List<FlowStats> flows() {
        return flows;
    }

    public List<ProcessStats> processes() {
        return processes;
    }

    public List<ClockEstimate> clocks() {
        return clocks;
    }

    /**
     * What was measured between {@code earlier} and this report, both cumulative snapshots
     * of the same session: an interval report from the end of {@code earlier} to the end of
     * this one. Hop and flow histograms and the counters are differences; a probe's cost
     * covers its runs in between; hops without a sample in between are left out. This is how
     * a test or a benchmark iteration gets its own share of a longer session:
     *
     * <pre>{@code
     * LatencyReport before = session.snapshot();
     * runLoad();
     * LatencyReport load = session.snapshot().since(before);
     * }</pre>
     *
     * @throws ConfigurationException when the two are not cumulative snapshots of one session,
     *                                or {@code earlier} is not the earlier one
     */
    public LatencyReport since(LatencyReport earlier) {
        if (interval || earlier.interval || !earlier.sessionId.equals(sessionId) || earlier.end.isAfter(end)) {
            throw new ConfigurationException("since() takes an earlier cumulative snapshot of the same session; got "
                    + earlier.describe() + " and this " + describe());
        }
        Builder b = builder(sessionId).period(earlier.end, end).interval(true).counters(counters.minus(earlier.counters));
        for (HopStats h : hops) {
            Histogram d = difference(h, earlier.find(earlier.hops, h.hop()));
            if (d.getTotalCount() > 0) {
                b.hop(h.hop(), d);
                String scope = soleScope.get(h.hop());
                if (scope != null) {
                    b.soleScope(h.hop(), scope);
                }
            }
        }
        hopsByFlow.forEach((flow, list) -> {
            List<HopStats> before = earlier.hopsByFlow.getOrDefault(flow, List.of());
            for (HopStats h : list) {
                Histogram d = difference(h, earlier.find(before, h.hop()));
                if (d.getTotalCount() > 0) {
                    b.flowHop(flow, h.hop(), d);
                }
            }
        });
        for (ProbeCost c : probeCosts) {
            ProbeCost e = earlier.probeCosts.stream()
                    .filter(o -> o.program().equals(c.program()) && o.attachPoint().equals(c.attachPoint()))
                    .findFirst().orElse(null);
            long runs = c.runs() - (e == null ? 0 : e.runs());
            double nanos = c.runs() * c.meanNanos() - (e == null ? 0 : e.runs() * e.meanNanos());
            b.probeCost(new ProbeCost(c.program(), c.attachPoint(), runs, runs > 0 ? nanos / runs : 0));
        }
        double seconds = Duration.between(earlier.end, end).toNanos() / 1e9;
        for (FlowStats f : flows) {
            FlowStats e = earlier.flows.stream().filter(o -> o.flow().equals(f.flow())).findFirst().orElse(null);
            long bytes = f.bytes() - (e == null ? 0 : e.bytes());
            b.flow(new FlowStats(f.flow(), f.label(), bytes, f.segments() - (e == null ? 0 : e.segments()),
                    f.retransmittedSegments() - (e == null ? 0 : e.retransmittedSegments()),
                    seconds > 0 ? bytes * 8 / seconds : 0));
        }
        unavailable.forEach(b::unavailable);
        processes.forEach(b::process);
        clocks.forEach(b::clock);
        return b.build();
    }

    private static Histogram difference(HopStats later, Optional<HopStats> earlier) {
        Histogram d = later.histogram().copy();
        if (earlier.isPresent()) {
            try {
                d.subtract(earlier.get().histogram());
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                throw new ConfigurationException("hop " + later.hop() + " has values in the earlier report that the later"
                        + " one lacks: they are not snapshots of one session in order", e);
            }
        }
        return d;
    }

    private String describe() {
        return (interval ? "interval report" : "snapshot") + " of session " + sessionId + " ending " + end;
    }

    // ---- output ------------------------------------------------------------------------

    /** Writes the table of {@link #toString()} to {@code out}. */
    public void print(PrintStream out) {
        out.print(toString());
        out.flush();
    }

    /**
     * Writes every hop's histogram as an HdrHistogram log ({@code .hlog}), one tagged entry
     * per hop, readable by HdrHistogram's HistogramLogReader and plotting tools.
     */
    public void writeHlog(OutputStream out) {
        HistogramLogWriter w = new HistogramLogWriter(new PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        w.outputComment("LatScope session " + sessionId + ", values in nanoseconds");
        w.outputLogFormatVersion();
        w.outputStartTime(start.toEpochMilli());
        w.setBaseTime(start.toEpochMilli());
        w.outputLegend();
        for (HopStats h : hops) {
            Histogram c = h.histogram().copy();
            c.setTag(h.hop().toString());
            c.setStartTimeStamp(start.toEpochMilli());
            c.setEndTimeStamp(end.toEpochMilli());
            w.outputIntervalHistogram(c);
        }
    }

    public void writeHlog(Path file) {
        try (OutputStream o = Files.newOutputStream(file)) {
            writeHlog(o);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    @Override
    public String toString() {
        StringWriter sw = new StringWriter();
        var out = new java.io.PrintWriter(sw);
        out.printf(Locale.ROOT, "LatScope %s %s, %s .. %s (%.1f s)%n", interval ? "interval" : "session", sessionId,
                start, end, duration().toMillis() / 1000.0);
        int w = 22;
        for (HopStats h : hops) {
            w = Math.max(w, h.hop().toString().length() + 1);
        }
        String head = "%-" + w + "s %10s %11s %11s %11s %11s %11s%n";
        String row = "%-" + w + "s %10d %11s %11s %11s %11s %11s%n";
        out.printf(Locale.ROOT, head, "hop", "count", "p50", "p90", "p99", "max", "mean");
        for (HopStats h : hops) {
            out.printf(Locale.ROOT, row, h.hop(), h.count(),
                    Durations.format(h.percentileNanos(50)), Durations.format(h.percentileNanos(90)),
                    Durations.format(h.percentileNanos(99)), Durations.format(h.maxNanos()),
                    Durations.format(Math.round(h.meanNanos())));
        }
        if (hops.isEmpty()) {
            out.println("(no hop measured yet)");
        }
        String un = "%-" + w + "s unavailable: %s%n";
        unavailable.forEach((h, why) -> out.printf(Locale.ROOT, un, h, why));
        Counters c = counters;
        out.printf(Locale.ROOT, "markers: matched %d (%.2f %%), incomplete %d, retransmitted %d; events %d, ring-buffer drops %d%n",
                c.markersMatched(), 100 * c.matchedRatio(), c.markersIncomplete(), c.markersRetransmitted(),
                c.eventsReceived(), c.ringBufferDrops());
        if (!c.markersPerPoint().isEmpty()) {
            List<String> parts = new ArrayList<>();
            c.markersPerPoint().forEach((p, n) -> parts.add(p + "=" + n));
            out.println("markers per probe point: " + String.join(", ", parts));
        }
        if (!probeCosts.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (ProbeCost pc : probeCosts) {
                parts.add(String.format(Locale.ROOT, "%s %.0f ns", pc.attachPoint(), pc.meanNanos()));
            }
            out.println("probe self-cost (mean per run): " + String.join(", ", parts));
        }
        for (FlowStats f : flows) {
            out.printf(Locale.ROOT, "flow %s%s: %d B, %.1f Mbit/s, %d/%d segments retransmitted (%.3f %%)%n", f.flow(),
                    f.label() == null || f.label().isEmpty() ? "" : " [" + f.label() + "]", f.bytes(),
                    f.throughputBitsPerSecond() / 1e6, f.retransmittedSegments(), f.segments(), 100 * f.lossRate());
        }
        for (ProcessStats p : processes) {
            out.printf(Locale.ROOT, "process %s pid %d (%s): cpu %.1f %%, rss %d KiB%n", p.host(), p.pid(), p.command(),
                    p.cpuPercent(), p.rssBytes() / 1024);
        }
        for (ClockEstimate e : clocks) {
            out.printf(Locale.ROOT, "clock %s vs %s: offset %d ns, drift %.1f ppb, ±%d ns (%d probes)%n", e.host(),
                    e.reference(), e.offsetNanos(), e.driftPpb() + 0.0 /* no "-0.0" */, e.errorBoundNanos(), e.probesUsed());
        }
        out.flush();
        return sw.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyReport r && r.sessionId.equals(sessionId) && r.start.equals(start) && r.end.equals(end)
                && r.interval == interval && r.hops.equals(hops) && r.hopsByFlow.equals(hopsByFlow)
                && r.counters.equals(counters) && r.probeCosts.equals(probeCosts) && r.unavailable.equals(unavailable)
                && r.flows.equals(flows) && r.processes.equals(processes) && r.clocks.equals(clocks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, start, end, interval, hops);
    }

    /** Assembles a report; hops keep the order they are added in (path order). */
    public static final class Builder {
        private final String sessionId;
        private Instant start;
        private Instant end;
        private boolean interval;
        private final Map<Hop, HopStats> hops = new LinkedHashMap<>();
        private final Map<FlowKey, Map<Hop, HopStats>> hopsByFlow = new LinkedHashMap<>();
        private Counters counters = Counters.EMPTY;
        private final List<ProbeCost> probeCosts = new ArrayList<>();
        private final Map<Hop, String> unavailable = new LinkedHashMap<>();
        private final List<FlowStats> flows = new ArrayList<>();
        private final List<ProcessStats> processes = new ArrayList<>();
        private final List<ClockEstimate> clocks = new ArrayList<>();
        private final Map<Hop, String> soleScope = new LinkedHashMap<>();

        private Builder(String sessionId) {
            this.sessionId = sessionId;
        }

        public Builder period(Instant start, Instant end) {
            this.start = start;
            this.end = end;
            return this;
        }

        public Builder interval(boolean interval) {
            this.interval = interval;
            return this;
        }

        /** Adds (or merges into) a hop; the histogram is copied. */
        public Builder hop(Hop hop, Histogram histogram) {
            merge(hops, hop, histogram, false);
            return this;
        }

        /**
         * Adds a hop taking {@code histogram} as it is, without a copy (for histograms just
         * decoded or built for this report); the caller must not touch it afterwards.
         */
        public Builder takeHop(Hop hop, Histogram histogram) {
            if (hops.containsKey(hop)) {
                return hop(hop, histogram);
            }
            hops.put(hop, new HopStats(hop, histogram));
            return this;
        }

        /** Like {@link #takeHop}, per flow. */
        public Builder takeFlowHop(FlowKey flow, Hop hop, Histogram histogram) {
            Map<Hop, HopStats> m = hopsByFlow.computeIfAbsent(flow, f -> new LinkedHashMap<>());
            if (m.containsKey(hop)) {
                return flowHop(flow, hop, histogram);
            }
            m.put(hop, new HopStats(hop, histogram));
            return this;
        }

        public Builder flowHop(FlowKey flow, Hop hop, Histogram histogram) {
            merge(hopsByFlow.computeIfAbsent(flow, f -> new LinkedHashMap<>()), hop, histogram, true);
            return this;
        }

        private static void merge(Map<Hop, HopStats> m, Hop hop, Histogram h, boolean perFlow) {
            HopStats cur = m.get(hop);
            if (cur == null) {
                Histogram c = perFlow ? newFlowHistogram() : newHistogram();
                c.add(h);
                c.setStartTimeStamp(h.getStartTimeStamp());
                c.setEndTimeStamp(h.getEndTimeStamp());
                m.put(hop, new HopStats(hop, c));
            } else {
                cur.histogram().add(h);
            }
        }

        /** Records that the unscoped {@code hop} was measured in {@code scope} only. */
        public Builder soleScope(Hop hop, String scope) {
            soleScope.put(hop.unscoped(), scope);
            return this;
        }

        public Builder counters(Counters counters) {
            this.counters = counters;
            return this;
        }

        public Builder probeCost(ProbeCost cost) {
            probeCosts.add(cost);
            return this;
        }

        public Builder unavailable(Hop hop, String reason) {
            unavailable.put(hop, reason);
            return this;
        }

        public Builder flow(FlowStats f) {
            flows.add(f);
            return this;
        }

        public Builder process(ProcessStats p) {
            processes.add(p);
            return this;
        }

        public Builder clock(ClockEstimate e) {
            clocks.add(e);
            return this;
        }

        public LatencyReport build() {
            return new LatencyReport(this);
        }
    }
}
