package io.latscope.report;

import io.latscope.ClockEstimate;
import io.latscope.FlowStats;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ProcessStats;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the charts over time need of one interval, without its histograms: a long run keeps
 * one of these per interval, not the interval's report.
 *
 * @param start        the interval's start
 * @param end          its end
 * @param hops         per hop as reported ({@code tx.TCP@ns}): count, p50 and p99 in nanoseconds
 * @param markersSeen  markers that finished in the interval
 * @param markersComplete of those, complete
 * @param ringDrops    ring-buffer drops in the interval
 * @param flows        throughput and retransmissions per flow
 * @param processes    CPU and memory per endpoint process
 * @param clocks       clock estimates (multi-host sessions)
 */
public record IntervalSummary(Instant start, Instant end, Map<String, long[]> hops, long markersSeen,
                              long markersComplete, long ringDrops, List<FlowStats> flows, List<ProcessStats> processes,
                              List<ClockEstimate> clocks) {
    /** Copies the collections. */
    public IntervalSummary {
        hops = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hops));
        flows = List.copyOf(flows);
        processes = List.copyOf(processes);
        clocks = List.copyOf(clocks);
    }

    /**
     * Summarises one interval report for the time series.
     *
     * @param r an interval report
     * @return its summary: every hop merged over its scopes ({@code tx.TCP}), then as reported ({@code tx.TCP@ns})
     */
    public static IntervalSummary of(LatencyReport r) {
        Map<String, long[]> hops = new LinkedHashMap<>();
        for (HopStats h : ReportData.mergedThenScoped(r)) {
            hops.put(h.hop().toString(), new long[] {h.count(), h.percentileNanos(50), h.percentileNanos(99)});
        }
        return new IntervalSummary(r.start(), r.end(), hops, r.counters().markersSeen(), r.counters().markersMatched(),
                r.counters().ringBufferDrops(), r.flows(), r.processes(), r.clocks());
    }
}
