package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-hop (and per-flow, per-hop) latency recorders: one writer at a time records
 * without blocking ({@link SingleWriterRecorder}: plain, not atomic, increments — calls to
 * {@link #record} must not overlap); readers take interval and cumulative histograms. Every
 * flip adds what was recorded to both the open interval and the cumulative total, so
 * on-demand snapshots never disturb interval boundaries.
 *
 * <p>Recording is on the hot path, so recorders are dense (auto-resizing) histograms:
 * packed ones cost several times more per value. Per-hop recorders keep 3 significant
 * digits; per-flow ones 2 (1 %), for at most {@link #MAX_FLOWS} flows, to bound memory.
 */
public final class HopRecorders {
    /** Flows beyond this many get no per-flow histograms (they still count in the per-hop ones). */
    public static final int MAX_FLOWS = 256;

    private final Map<Hop, SingleWriterRecorder> hops = new ConcurrentHashMap<>();
    private final Map<FlowKey, Map<Hop, SingleWriterRecorder>> flowHops = new ConcurrentHashMap<>();

    // reader side, guarded by this
    private final Map<Hop, Histogram> cumulative = new HashMap<>();
    private final Map<Hop, Histogram> interval = new HashMap<>();
    private final Map<FlowKey, Map<Hop, Histogram>> flowCumulative = new HashMap<>();
    private final Map<FlowKey, Map<Hop, Histogram>> flowInterval = new HashMap<>();

    /** Writer side: one value of a hop of a flow, in nanoseconds (clamped to the histogram range). */
    public void record(Hop hop, FlowKey flow, long nanos) {
        long v = Math.max(0, Math.min(nanos, LatencyReport.HIGHEST_TRACKABLE_NANOS));
        SingleWriterRecorder r = hops.get(hop);
        if (r == null) {
            r = hops.computeIfAbsent(hop, h -> new SingleWriterRecorder(LatencyReport.SIGNIFICANT_DIGITS));
        }
        r.recordValue(v);
        if (flow != null) {
            Map<Hop, SingleWriterRecorder> perFlow = flowHops.get(flow);
            if (perFlow == null) {
                if (flowHops.size() >= MAX_FLOWS) {
                    return;
                }
                perFlow = flowHops.computeIfAbsent(flow, f -> new ConcurrentHashMap<>());
            }
            SingleWriterRecorder fr = perFlow.get(hop);
            if (fr == null) {
                fr = perFlow.computeIfAbsent(hop, h -> new SingleWriterRecorder(LatencyReport.FLOW_SIGNIFICANT_DIGITS));
            }
            fr.recordValue(v);
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
            addFlow(flowCumulative.computeIfAbsent(f, k -> new HashMap<>()), h, got);
            addFlow(flowInterval.computeIfAbsent(f, k -> new HashMap<>()), h, got);
        }));
    }

    private static void add(Map<Hop, Histogram> m, Hop h, Histogram v) {
        m.computeIfAbsent(h, k -> LatencyReport.newHistogram()).add(v);
    }

    private static void addFlow(Map<Hop, Histogram> m, Hop h, Histogram v) {
        m.computeIfAbsent(h, k -> LatencyReport.newFlowHistogram()).add(v);
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
