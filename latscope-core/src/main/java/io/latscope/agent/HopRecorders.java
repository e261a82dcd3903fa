package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-hop (and per-flow, per-hop) latency recorders: one writer records without
 * blocking ({@link Recorder}); readers take interval and cumulative histograms. Every
 * flip adds what was recorded to both the open interval and the cumulative total, so
 * on-demand snapshots never disturb interval boundaries. Histograms are packed (memory
 * grows with the values seen, not with the 1 ns – 1 h range).
 */
public final class HopRecorders {
    private final Map<Hop, Recorder> hops = new ConcurrentHashMap<>();
    private final Map<FlowKey, Map<Hop, Recorder>> flowHops = new ConcurrentHashMap<>();

    // reader side, guarded by this
    private final Map<Hop, Histogram> cumulative = new HashMap<>();
    private final Map<Hop, Histogram> interval = new HashMap<>();
    private final Map<FlowKey, Map<Hop, Histogram>> flowCumulative = new HashMap<>();
    private final Map<FlowKey, Map<Hop, Histogram>> flowInterval = new HashMap<>();

    private static Recorder newRecorder() {
        return new Recorder(LatencyReport.SIGNIFICANT_DIGITS, true);
    }

    /** Writer side: one value of a hop of a flow, in nanoseconds (clamped to the histogram range). */
    public void record(Hop hop, FlowKey flow, long nanos) {
        long v = Math.max(0, Math.min(nanos, LatencyReport.HIGHEST_TRACKABLE_NANOS));
        hops.computeIfAbsent(hop, h -> newRecorder()).recordValue(v);
        if (flow != null) {
            flowHops.computeIfAbsent(flow, f -> new ConcurrentHashMap<>()).computeIfAbsent(hop, h -> newRecorder())
                    .recordValue(v);
        }
    }

    private void flip() {
        hops.forEach((h, r) -> {
            Histogram got = r.getIntervalHistogram();
            add(cumulative, h, got);
            add(interval, h, got);
        });
        flowHops.forEach((f, m) -> m.forEach((h, r) -> {
            Histogram got = r.getIntervalHistogram();
            add(flowCumulative.computeIfAbsent(f, k -> new HashMap<>()), h, got);
            add(flowInterval.computeIfAbsent(f, k -> new HashMap<>()), h, got);
        }));
    }

    private static void add(Map<Hop, Histogram> m, Hop h, Histogram v) {
        m.computeIfAbsent(h, k -> LatencyReport.newHistogram()).add(v);
    }

    /** Everything recorded so far. The maps are copies. */
    public synchronized Totals cumulative() {
        flip();
        return new Totals(copy(cumulative), copyFlows(flowCumulative));
    }

    /** What was recorded since the previous call; starts a new interval. */
    public synchronized Totals closeInterval() {
        flip();
        Totals t = new Totals(copy(interval), copyFlows(flowInterval));
        interval.clear();
        flowInterval.clear();
        return t;
    }

    /** Histograms per hop, and per flow and hop. */
    public record Totals(Map<Hop, Histogram> hops, Map<FlowKey, Map<Hop, Histogram>> flows) {
    }

    private static Map<Hop, Histogram> copy(Map<Hop, Histogram> m) {
        Map<Hop, Histogram> out = new HashMap<>();
        m.forEach((h, v) -> out.put(h, v.copy()));
        return out;
    }

    private static Map<FlowKey, Map<Hop, Histogram>> copyFlows(Map<FlowKey, Map<Hop, Histogram>> m) {
        Map<FlowKey, Map<Hop, Histogram>> out = new HashMap<>();
        m.forEach((f, v) -> out.put(f, copy(v)));
        return out;
    }
}
