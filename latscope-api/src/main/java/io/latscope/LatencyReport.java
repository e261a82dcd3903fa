package io.latscope;

import io.latscope.error.ConfigurationException;
import io.latscope.error.HopNotMeasuredException;
import org.HdrHistogram.Histogram;

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
    /** Significant digits of per-hop histograms: values are kept to within 0.1 %. */
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
    private final Map<String, String> notMeasured;
    private final List<FlowStats> flows;
    private final List<ProcessStats> processes;
    private final List<ClockEstimate> clocks;
    private final Map<Hop, String> soleScope;
    private final Provenance provenance;
    private final SessionHealth health;

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
        this.notMeasured = Collections.unmodifiableMap(new LinkedHashMap<>(b.notMeasured));
        this.flows = List.copyOf(b.flows);
        this.processes = List.copyOf(b.processes);
        this.clocks = List.copyOf(b.clocks);
        this.soleScope = Map.copyOf(b.soleScope);
        this.provenance = b.provenance;
        this.health = b.health;
    }

    /**
     * Starts a report; engines and stores build reports, users read them.
     *
     * @param sessionId the session the report is of
     * @return a builder; {@link Builder#period(Instant, Instant)} must be set before {@link Builder#build()}
     */
    public static Builder builder(String sessionId) {
        return new Builder(sessionId);
    }

    /**
     * The cumulative report of a session from its interval reports; see {@link CumulativeReport}.
     *
     * @param sessionId the session's id
     * @param start     when the session started
     * @param end       when it ended
     * @param intervals its interval reports, in time order
     * @return a cumulative report
     */
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
     *
     * @return an empty, auto-resizing histogram
     */
    public static Histogram newHistogram() {
        return new Histogram(SIGNIFICANT_DIGITS);
    }

    /**
     * A fresh per-flow histogram: like {@link #newHistogram()} with 2 significant digits.
     *
     * @return an empty, auto-resizing histogram
     */
    public static Histogram newFlowHistogram() {
        return new Histogram(FLOW_SIGNIFICANT_DIGITS);
    }

    /**
     * What this report was measured with, so a number is never read without its setting.
     *
     * @return stride, layers, ports, scopes, sync, kernels; {@link Provenance#UNKNOWN} for a report
     *         built without a session
     */
    public Provenance provenance() {
        return provenance;
    }

    /**
     * The session this report is of.
     *
     * @return the id its live session and its store use
     */
    public String sessionId() {
        return sessionId;
    }

    /**
     * The session's health when this report was taken (multi-host sessions): whether records
     * were held up or lost, per host. Not part of {@link #equals}: it describes the delivery,
     * not the measurement.
     *
     * @return the health, or empty for reports of a session without a transport (this host only)
     *         and for one host's interval reports within a multi-host session (the controller's
     *         interval reports carry it, and merging intervals keeps the newest)
     */
    public Optional<SessionHealth> health() {
        return Optional.ofNullable(health);
    }

    /**
     * Start of the period: the session's start for a cumulative report.
     *
     * @return wall-clock time
     */
    public Instant start() {
        return start;
    }

    /**
     * End of the period: when the snapshot was taken, or the session's end.
     *
     * @return wall-clock time
     */
    public Instant end() {
        return end;
    }

    /**
     * Length of the period.
     *
     * @return {@code end − start}
     */
    public Duration duration() {
        return Duration.between(start, end);
    }

    /**
     * Whether this covers one interval or the whole session so far.
     *
     * @return true for an interval report, false for a cumulative one
     */
    public boolean isInterval() {
        return interval;
    }

    /**
     * Every measured hop, in path order.
     *
     * @return the hops measured; empty before any marker matched
     */
    public List<HopStats> hops() {
        return hops;
    }

    /**
     * The stats of a hop. An unscoped hop (e.g. {@code tx.DEV}) that was measured in several
     * scopes (namespaces or hosts) yields all of them merged.
     *
     * @param hop the hop
     * @return its stats
     * @throws HopNotMeasuredException when the hop was not measured, naming those that were
     */
    public HopStats hop(Hop hop) {
        return findHop(hop).orElseThrow(() -> {
            Map<String, String> why = new LinkedHashMap<>();
            unavailable.forEach((h, r) -> why.put(h.toString(), r));
            return new HopNotMeasuredException(hop.toString(), hops.stream().map(h -> h.hop().toString()).toList(), why);
        });
    }

    /**
     * The stats of a hop, as {@link #hop(Hop)}, without an exception.
     *
     * @param hop the hop, scoped or not
     * @return its stats, or empty when it was not measured
     */
    public Optional<HopStats> findHop(Hop hop) {
        return find(hops, hop);
    }

    /**
     * The scope (namespace or host) of a hop that is shown unscoped because it was measured
     * in that one scope only; null when unknown.
     *
     * @param unscopedHop a hop without scope, as {@link #hops()} lists it
     * @return a namespace or host label, or null
     */
    public String soleScope(Hop unscopedHop) {
        return soleScope.get(unscopedHop);
    }

    /**
     * All sole scopes (see {@link #soleScope(Hop)}).
     *
     * @return unscoped hop to the one scope it was measured in; empty when none
     */
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

    /**
     * Whether a hop was measured, as {@link #hop(Hop)} would find it.
     *
     * @param hop the hop, scoped or not
     * @return true when it has samples
     */
    public boolean hasHop(Hop hop) {
        return findHop(hop).isPresent();
    }

    /**
     * The flows whose hops were measured.
     *
     * @return each direction of a connection that carried a matched marker
     */
    public List<FlowKey> flowKeys() {
        return List.copyOf(hopsByFlow.keySet());
    }

    /**
     * Per-hop stats of one flow, at the lower precision of {@link #FLOW_SIGNIFICANT_DIGITS}.
     *
     * @param flow a key of {@link #flowKeys()}
     * @return its hops in path order; empty if the flow was not seen
     */
    public List<HopStats> hops(FlowKey flow) {
        return hopsByFlow.getOrDefault(flow, List.of());
    }

    /**
     * Per-hop stats of every flow, as {@link #hops(FlowKey)}.
     *
     * @return flow to its hops, in the order the flows were first seen
     */
    public Map<FlowKey, List<HopStats>> hopsByFlow() {
        return hopsByFlow;
    }

    /**
     * How far this report can be trusted: markers seen, complete, left out by reason,
     * ring-buffer drops per point, clock bounds, probe costs.
     *
     * @return the data quality
     */
    public DataQuality quality() {
        return DataQuality.of(this);
    }

    /**
     * The raw counts behind {@link #quality()}.
     *
     * @return the period's counters (differences for an interval report)
     */
    public Counters counters() {
        return counters;
    }

    /**
     * What each probe cost to run, measured with the kernel's bpf_stats.
     *
     * @return one per attached program; empty when probe cost was off or not permitted
     *         (then {@link #notMeasured()} says why)
     */
    public List<ProbeCost> probeCosts() {
        return probeCosts;
    }

    /**
     * Hops that were asked for but cannot be measured here, with the reason.
     *
     * @return hop to reason; empty when every hop asked for could be attached
     */
    public Map<Hop, String> unavailable() {
        return unavailable;
    }

    /**
     * What else was asked for but not measured, with why and what would restore it: e.g.
     * {@code probe self-cost} without the privilege for kernel statistics. Hops are in
     * {@link #unavailable()}.
     *
     * @return what was lost (e.g. {@code probe self-cost}) to why, in the order found
     */
    public Map<String, String> notMeasured() {
        return notMeasured;
    }

    /**
     * Throughput and retransmissions of every flow.
     *
     * @return one per flow direction sampled; empty when no sending socket was seen
     */
    public List<FlowStats> flows() {
        return flows;
    }

    /**
     * CPU and memory of the processes that own the measured sockets.
     *
     * @return one per process and flow; empty when none was found
     */
    public List<ProcessStats> processes() {
        return processes;
    }

    /**
     * How each remote host's clock was mapped to the reference, for cross-host hops.
     *
     * @return one per host pair; empty for a session on one host or without clock sync
     */
    public List<ClockEstimate> clocks() {
        return clocks;
    }

    /**
     * The clock-sync error a hop carries: for a hop between two hosts ({@code NETWORK@h1->h2},
     * {@code END_TO_END@h1->h2}) the sum of both hosts' stated bounds (the reference host's is
     * 0), since its two ends were stamped by different clocks; 0 for a hop within one host.
     *
     * @param hop a hop of this report
     * @return the error bound it carries, in nanoseconds
     */
    public long clockBoundNanos(Hop hop) {
        int arrow = hop.scope().indexOf("->");
        if (arrow < 0 || clocks.isEmpty()) {
            return 0;
        }
        String from = hop.scope().substring(0, arrow);
        String to = hop.scope().substring(arrow + 2);
        if (from.equals(to)) {
            return 0;
        }
        return boundOf(from) + boundOf(to);
    }

    private long boundOf(String host) {
        return clocks.stream().filter(c -> c.host().equals(host)).mapToLong(ClockEstimate::errorBoundNanos).max().orElse(0);
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
     * @param earlier a cumulative snapshot of the same session, taken before this one
     * @return an interval report of the time between the two
     * @throws ConfigurationException when the two are not cumulative snapshots of one session,
     *                                or {@code earlier} is not the earlier one
     */
    public LatencyReport since(LatencyReport earlier) {
        if (interval || earlier.interval || !earlier.sessionId.equals(sessionId) || earlier.end.isAfter(end)) {
            throw new ConfigurationException("since() takes an earlier cumulative snapshot of the same session; got "
                    + earlier.describe() + " and this " + describe());
        }
        Builder b = builder(sessionId).period(earlier.end, end).interval(true).counters(counters.minus(earlier.counters))
                .provenance(provenance);
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
        notMeasured.forEach(b::notMeasured);
        processes.forEach(b::process);
        clocks.forEach(b::clock);
        if (health != null) {
            b.health(health);
        }
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

    /**
     * Writes the table of {@link #toString()} to {@code out}.
     *
     * @param out where to print, e.g. {@code System.out}; flushed, not closed
     */
    public void print(PrintStream out) {
        out.print(toString());
        out.flush();
    }

    /**
     * Writes every hop's histogram as an HdrHistogram log ({@code .hlog}), readable by
     * HdrHistogram's HistogramLogReader, HistogramLogProcessor and plotting tools: one entry
     * per hop as measured ({@code tx.TCP@ns}) and one per hop merged over its scopes
     * ({@code tx.TCP}), see {@link IntervalLog}.
     * Its header comments name the session and the {@link #provenance()}.
     *
     * @param out where to write; not closed
     */
    public void writeHlog(OutputStream out) {
        try (IntervalLog log = IntervalLog.to(out)) {
            log.write(this);
        }
    }

    /**
     * Writes {@link #writeHlog(OutputStream)} to a file, replacing it.
     *
     * @param file e.g. {@code latency.hlog}
     * @throws UncheckedIOException when the file cannot be written
     */
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
        if (!provenance.isUnknown()) {
            out.println("measured with " + provenance.display());
        }
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
        for (HopStats h : hops) {
            long bound = clockBoundNanos(h.hop());
            if (bound > 0) {
                long p50 = h.percentileNanos(50);
                out.printf(Locale.ROOT, "%-" + w + "s carries ±%s of clock-sync error%s%n", h.hop(), Durations.format(bound),
                        Math.abs(p50) <= bound ? "; its p50 (" + Durations.format(p50) + ") is within it: not told from zero" : "");
            }
        }
        String un = "%-" + w + "s unavailable: %s%n";
        unavailable.forEach((h, why) -> out.printf(Locale.ROOT, un, h, why));
        String lost = "%-" + w + "s not measured: %s%n";
        notMeasured.forEach((what, why) -> out.printf(Locale.ROOT, lost, what, why));
        Counters c = counters;
        DataQuality q = quality();
        out.println(q);
        for (String warning : q.warnings()) {
            if (notMeasured.entrySet().stream().anyMatch(e -> warning.equals(e.getKey() + " not measured: " + e.getValue()))) {
                continue; // listed with the hops above
            }
            out.println("  ! " + warning);
        }
        if (health != null) {
            out.println(health);
            health.warning().ifPresent(warning -> out.println("  ! " + warning));
        }
        out.printf(Locale.ROOT, "events received %d%n", c.eventsReceived());
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
            // the rate is over the report's whole period, not over the time the flow was busy: say so
            out.printf(Locale.ROOT, "flow %s%s: %d B, %.1f Mbit/s averaged over the %s %s, %d/%d segments retransmitted"
                            + " (%.3f %%)%n", f.flow(), f.label() == null || f.label().isEmpty() ? "" : " [" + f.label() + "]",
                    f.bytes(), f.throughputBitsPerSecond() / 1e6, Durations.format(duration().toNanos()),
                    interval ? "interval" : "report", f.retransmittedSegments(), f.segments(), 100 * f.lossRate());
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
                && r.interval == interval && r.hops.equals(hops) && r.hopsByFlow.equals(hopsByFlow) && r.notMeasured.equals(notMeasured)
                && r.counters.equals(counters) && r.probeCosts.equals(probeCosts) && r.unavailable.equals(unavailable)
                && r.flows.equals(flows) && r.processes.equals(processes) && r.clocks.equals(clocks)
                && r.provenance.equals(provenance);
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
        private Provenance provenance = Provenance.UNKNOWN;
        private final Map<FlowKey, Map<Hop, HopStats>> hopsByFlow = new LinkedHashMap<>();
        private Counters counters = Counters.EMPTY;
        private final List<ProbeCost> probeCosts = new ArrayList<>();
        private final Map<Hop, String> unavailable = new LinkedHashMap<>();
        private final Map<String, String> notMeasured = new LinkedHashMap<>();
        private final List<FlowStats> flows = new ArrayList<>();
        private final List<ProcessStats> processes = new ArrayList<>();
        private final List<ClockEstimate> clocks = new ArrayList<>();
        private final Map<Hop, String> soleScope = new LinkedHashMap<>();
        private SessionHealth health;

        private Builder(String sessionId) {
            this.sessionId = sessionId;
        }

        /**
         * What the report was measured with (default {@link Provenance#UNKNOWN}).
         *
         * @param provenance what the report was measured with
         * @return this builder
         */
        public Builder provenance(Provenance provenance) {
            this.provenance = Objects.requireNonNull(provenance, "provenance");
            return this;
        }

        /**
         * The time the report covers; required.
         *
         * @param start start of the period
         * @param end   end of the period
         * @return this builder
         */
        public Builder period(Instant start, Instant end) {
            this.start = start;
            this.end = end;
            return this;
        }

        /**
         * Whether this is an interval report (default: no, cumulative).
         *
         * @param interval true for an interval report
         * @return this builder
         */
        public Builder interval(boolean interval) {
            this.interval = interval;
            return this;
        }

        /**
         * Adds (or merges into) a hop; the histogram is copied.
         *
         * @param hop       the hop
         * @param histogram its durations in nanoseconds
         * @return this builder
         */
        public Builder hop(Hop hop, Histogram histogram) {
            merge(hops, hop, histogram, false);
            return this;
        }

        /**
         * Adds a hop taking {@code histogram} as it is, without a copy (for histograms just
         * decoded or built for this report); the caller must not touch it afterwards.
         *
         * @param hop       the hop
         * @param histogram its durations in nanoseconds, now owned by the report
         * @return this builder
         */
        public Builder takeHop(Hop hop, Histogram histogram) {
            if (hops.containsKey(hop)) {
                return hop(hop, histogram);
            }
            hops.put(hop, new HopStats(hop, histogram));
            return this;
        }

        /**
         * Like {@link #takeHop}, per flow.
         *
         * @param flow      the flow the hop was measured on
         * @param hop       the hop
         * @param histogram its durations in nanoseconds, now owned by the report
         * @return this builder
         */
        public Builder takeFlowHop(FlowKey flow, Hop hop, Histogram histogram) {
            Map<Hop, HopStats> m = hopsByFlow.computeIfAbsent(flow, f -> new LinkedHashMap<>());
            if (m.containsKey(hop)) {
                return flowHop(flow, hop, histogram);
            }
            m.put(hop, new HopStats(hop, histogram));
            return this;
        }

        /**
         * Adds (or merges into) a hop of one flow; the histogram is copied at
         * {@link #FLOW_SIGNIFICANT_DIGITS}.
         *
         * @param flow      the flow the hop was measured on
         * @param hop       the hop
         * @param histogram its durations in nanoseconds
         * @return this builder
         */
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

        /**
         * Records that the unscoped {@code hop} was measured in {@code scope} only.
         *
         * @param hop   the hop (its scope, if any, is dropped)
         * @param scope the namespace or host label it was measured in
         * @return this builder
         */
        public Builder soleScope(Hop hop, String scope) {
            soleScope.put(hop.unscoped(), scope);
            return this;
        }

        /**
         * The period's counters (default {@link Counters#EMPTY}).
         *
         * @param counters what the probes saw
         * @return this builder
         */
        public Builder counters(Counters counters) {
            this.counters = counters;
            return this;
        }

        /**
         * Adds one program's cost.
         *
         * @param cost a probe's runs and mean run time
         * @return this builder
         */
        public Builder probeCost(ProbeCost cost) {
            probeCosts.add(cost);
            return this;
        }

        /**
         * Records a hop asked for that cannot be measured.
         *
         * @param hop    the hop
         * @param reason why, e.g. the kernel feature missing
         * @return this builder
         */
        public Builder unavailable(Hop hop, String reason) {
            unavailable.put(hop, reason);
            return this;
        }

        /**
         * Records a figure besides hops that could not be measured.
         *
         * @param what   what was asked for but not measured, e.g. {@code probe self-cost}
         * @param reason why, and what would restore it
         * @return this builder
         */
        public Builder notMeasured(String what, String reason) {
            notMeasured.put(what, reason);
            return this;
        }

        /**
         * Adds one flow's throughput figures.
         *
         * @param f the flow's stats for the period
         * @return this builder
         */
        public Builder flow(FlowStats f) {
            flows.add(f);
            return this;
        }

        /**
         * Adds one process's CPU and memory.
         *
         * @param p the process's stats for the period
         * @return this builder
         */
        public Builder process(ProcessStats p) {
            processes.add(p);
            return this;
        }

        /**
         * Adds one host's clock mapping.
         *
         * @param e the estimate cross-host hops were corrected with
         * @return this builder
         */
        public Builder clock(ClockEstimate e) {
            clocks.add(e);
            return this;
        }

        /**
         * Sets the session's health as this report is taken.
         *
         * @param health the health (multi-host sessions)
         * @return this builder
         */
        public Builder health(SessionHealth health) {
            this.health = health;
            return this;
        }

        /**
         * The immutable report.
         *
         * @return the report
         * @throws NullPointerException when the period was not set
         */
        public LatencyReport build() {
            return new LatencyReport(this);
        }
    }
}
