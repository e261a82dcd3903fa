package io.latscope;


import java.util.List;

/**
 * One marker byte's journey: its timestamps at every probe point ({@link #record()}),
 * the hops they make (consecutive differences, so they add up to the whole path), and
 * END_TO_END when both the application write and read were seen.
 *
 * @param record        the marker's stamps
 * @param hops          the hops between consecutive stamps, in path order
 * @param endToEndNanos application write to read, in nanoseconds; negative when either end was not seen
 * @param complete      whether the marker was seen at every attached point and is in the histograms
 *                      (an incomplete one is only counted, under the reason it lacks)
 */
public record MarkerPath(MarkerRecord record, List<HopSample> hops, long endToEndNanos, boolean complete) {
    /**
     * The duration of one hop of one marker, in nanoseconds.
     *
     * @param hop   the hop
     * @param nanos its duration, in nanoseconds
     */
    public record HopSample(Hop hop, long nanos) {
    }

    /**
     * Copies the hops.
     *
     * @param record        the marker's stamps
     * @param hops          the hops between consecutive stamps
     * @param endToEndNanos application write to read, or negative
     * @param complete      whether the marker was seen at every attached point
     */
    public MarkerPath {
        hops = List.copyOf(hops);
    }

    /**
     * Whether both the application's write and its read of the marker were stamped.
     *
     * @return true when {@link #endToEndNanos()} is a duration
     */
    public boolean hasEndToEnd() {
        return endToEndNanos >= 0;
    }

    /**
     * Sum of the hop durations (equals END_TO_END for a complete marker).
     *
     * @return in nanoseconds; 0 when no hop was made
     */
    public long sumOfHopsNanos() {
        long s = 0;
        for (HopSample h : hops) {
            s += h.nanos();
        }
        return s;
    }
}
