package io.latscope;

import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Folds interval reports, one at a time, into the cumulative report of a session:
 * histograms, counters and bytes add up; per-flow throughput is over the report's whole
 * period (as {@link FlowStats} defines it and a live session gives it); a process's CPU is its time-weighted mean and its memory the peak; the
 * newest clock estimate per host pair is kept, and so are the newest probe costs (they are
 * the kernel's running totals since the probes were attached, as a live session reports them);
 * a hop keeps its sole scope while every interval names the same one, and the newest
 * interval's session health is the session's (LOST keeps its losses). Hops come out in path
 * order. Stores build a session read back with it; a live session's running total can use
 * it too, so the two agree. Not thread-safe.
 */
public final class CumulativeReport {
    // Hops in path order: a hop first seen in a later interval still lands in its place.
    private final Map<Hop, Histogram> hops = new TreeMap<>();
    private final Map<FlowKey, Map<Hop, Histogram>> byFlow = new LinkedHashMap<>();
    private final Map<Hop, String> unavailable = new LinkedHashMap<>();
    private final Map<String, String> notMeasured = new LinkedHashMap<>();
    private final Map<Hop, String> soleScopes = new LinkedHashMap<>();
    private final Set<Hop> manyScopes = new HashSet<>();
    private final Map<FlowKey, FlowTotal> flows = new LinkedHashMap<>();
    private final Map<List<Object>, ProcessStats.Total> processes = new LinkedHashMap<>();
    private final Map<List<String>, ClockEstimate> clocks = new LinkedHashMap<>();
    private final Map<List<String>, ProbeCost> costs = new LinkedHashMap<>();
    private Counters counters = Counters.EMPTY;
    private int intervals;
    private Provenance provenance = Provenance.UNKNOWN;
    private SessionHealth health;

    /** A report of no interval yet; {@link #add(LatencyReport)} the intervals in time order. */
    public CumulativeReport() {
    }

    /**
     * Folds in the next interval report. Intervals are expected in time order: the newest clock
     * estimate wins by its time, but the newest probe costs are those of the last one added.
     *
     * @param r an interval report of the session
     * @return this
     */
    public CumulativeReport add(LatencyReport r) {
        if (provenance.isUnknown()) {
            provenance = r.provenance();
        }
        r.hops().forEach(h -> hops.computeIfAbsent(h.hop(), k -> LatencyReport.newHistogram()).add(h.histogram()));
        r.hopsByFlow().forEach((f, list) -> list.forEach(h -> byFlow.computeIfAbsent(f, k -> new TreeMap<>())
                .computeIfAbsent(h.hop(), k -> LatencyReport.newFlowHistogram()).add(h.histogram())));
        counters = counters.followedBy(r.counters());
        unavailable.putAll(r.unavailable());
        notMeasured.putAll(r.notMeasured());
        // A hop stays "measured in one scope only" while every interval names the same scope.
        r.soleScopes().forEach((h, scope) -> {
            if (manyScopes.contains(h)) {
                return;
            }
            String seen = soleScopes.putIfAbsent(h, scope);
            if (seen != null && !seen.equals(scope)) {
                soleScopes.remove(h);
                manyScopes.add(h);
            }
        });
        double seconds = r.duration().toNanos() / 1e9;
        r.flows().forEach(f -> flows.computeIfAbsent(f.flow(), FlowTotal::new).add(f));
        r.processes().forEach(p -> processes.computeIfAbsent(List.of(p.host(), p.pid(), String.valueOf(p.flow())),
                k -> new ProcessStats.Total()).add(p, seconds));
        // The newest estimate per host pair is the one that maps timestamps best.
        r.clocks().forEach(c -> clocks.merge(List.of(c.host(), c.reference()), c,
                (old, neu) -> neu.at().isBefore(old.at()) ? old : neu));
        // Running totals: the newest interval's list, in its order, is the session's so far.
        Map<List<String>, ProbeCost> newest = new LinkedHashMap<>();
        r.probeCosts().forEach(c -> newest.put(List.of(c.program(), c.attachPoint()), c));
        costs.forEach(newest::putIfAbsent);
        costs.clear();
        costs.putAll(newest);
        // the session's health as of this interval: its losses are the session's totals so far
        r.health().ifPresent(h -> health = h);
        intervals++;
        return this;
    }

    /**
     * Sets what the whole session was measured with (else that of the first interval added).
     *
     * @param p the session's provenance
     * @return this
     */
    public CumulativeReport provenance(Provenance p) {
        this.provenance = p;
        return this;
    }

    /**
     * How many interval reports were added.
     *
     * @return the count; 0 before the first {@link #add(LatencyReport)}
     */
    public int intervals() {
        return intervals;
    }

    /**
     * The session's report over everything added so far.
     *
     * @param sessionId the session's id
     * @param start     when the session started
     * @param end       when it ended (or now, for a running total)
     * @return a cumulative (not interval) report
     */
    public LatencyReport build(String sessionId, Instant start, Instant end) {
        LatencyReport.Builder b = LatencyReport.builder(sessionId).period(start, end).interval(false)
                .provenance(provenance);
        hops.forEach(b::hop);
        byFlow.forEach((f, m) -> m.forEach((h, hist) -> b.flowHop(f, h, hist)));
        b.counters(counters);
        unavailable.forEach(b::unavailable);
        notMeasured.forEach(b::notMeasured);
        soleScopes.forEach(b::soleScope);
        // a rate over the report's period, as FlowStats defines it and a live session's report gives it
        flows.values().forEach(t -> b.flow(t.stats(start, end)));
        processes.values().forEach(t -> b.process(t.stats()));
        clocks.values().forEach(b::clock);
        costs.values().forEach(b::probeCost);
        if (health != null) {
            b.health(health);
        }
        return b.build();
    }

    /** Bytes and segments add up; throughput is over the whole report's period. */
    private static final class FlowTotal {
        private final FlowKey flow;
        private String label = "";
        private long bytes, segments, retransmitted;

        FlowTotal(FlowKey flow) {
            this.flow = flow;
        }

        void add(FlowStats f) {
            if (f.label() != null && !f.label().isEmpty()) {
                label = f.label();
            }
            bytes += f.bytes();
            segments += f.segments();
            retransmitted += f.retransmittedSegments();
        }

        FlowStats stats(Instant start, Instant end) {
            return FlowStats.over(flow, label, bytes, segments, retransmitted, start, end);
        }
    }
}
