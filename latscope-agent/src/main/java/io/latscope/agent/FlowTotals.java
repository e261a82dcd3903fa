package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.FlowStats;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-flow sums of interval flow figures: a session's bytes, segments and retransmissions. */
public final class FlowTotals {
    private final Map<FlowKey, long[]> sums = new LinkedHashMap<>();
    private final Map<FlowKey, String> labels = new LinkedHashMap<>();

    public synchronized void add(List<FlowStats> interval) {
        for (FlowStats f : interval) {
            long[] s = sums.computeIfAbsent(f.flow(), k -> new long[3]);
            s[0] += f.bytes();
            s[1] += f.segments();
            s[2] += f.retransmittedSegments();
            labels.putIfAbsent(f.flow(), f.label());
        }
    }

    /** The sums as flow stats over {@code from}..{@code to} (throughput averaged over it). */
    public List<FlowStats> totals(Instant from, Instant to) {
        return totals(from, to, List.of());
    }

    /**
     * The sums plus {@code open}, the figures of an interval not closed yet (a snapshot's),
     * as flow stats over {@code from}..{@code to}.
     */
    public synchronized List<FlowStats> totals(Instant from, Instant to, List<FlowStats> open) {
        Map<FlowKey, long[]> all = new LinkedHashMap<>();
        Map<FlowKey, String> names = new LinkedHashMap<>(labels);
        sums.forEach((k, s) -> all.put(k, s.clone()));
        for (FlowStats f : open) {
            long[] s = all.computeIfAbsent(f.flow(), k -> new long[3]);
            s[0] += f.bytes();
            s[1] += f.segments();
            s[2] += f.retransmittedSegments();
            names.putIfAbsent(f.flow(), f.label());
        }
        List<FlowStats> out = new ArrayList<>();
        all.forEach((k, s) -> out.add(FlowStats.over(k, names.get(k), s[0], s[1], s[2], from, to)));
        return out;
    }
}
