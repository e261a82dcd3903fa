package io.latscope;

import io.latscope.store.MarkerRecord;

import java.util.List;

/**
 * One marker byte's journey: its timestamps at every probe point ({@link #record()}),
 * the hops they make (consecutive differences, so they add up to the whole path), and
 * END_TO_END when both the application write and read were seen.
 */
public record MarkerPath(MarkerRecord record, List<HopSample> hops, long endToEndNanos, boolean complete) {
    /** The duration of one hop of one marker, in nanoseconds. */
    public record HopSample(Hop hop, long nanos) {
    }

    public MarkerPath {
        hops = List.copyOf(hops);
    }

    public boolean hasEndToEnd() {
        return endToEndNanos >= 0;
    }

    /** Sum of the hop durations (equals END_TO_END for a complete marker). */
    public long sumOfHopsNanos() {
        long s = 0;
        for (HopSample h : hops) {
            s += h.nanos();
        }
        return s;
    }
}
