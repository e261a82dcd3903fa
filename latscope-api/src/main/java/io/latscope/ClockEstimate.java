package io.latscope;

import java.time.Instant;

/**
 * How a host's clock relates to the reference host's at one time: {@code reference =
 * local + offsetNanos + driftPpb × (local − anchorNanos) / 1e9}, within
 * ±{@code errorBoundNanos}.
 *
 * @param host            the host whose clock this maps
 * @param reference       the host whose clock it maps to (the session's reference host)
 * @param at              when the estimate was made (wall clock)
 * @param anchorNanos     the local CLOCK_MONOTONIC time drift is measured from
 * @param offsetNanos     reference minus local at {@code anchorNanos}
 * @param driftPpb        how fast the local clock runs slow against the reference, in parts per billion
 *                        (positive: the offset grows as time passes)
 * @param errorBoundNanos how far a mapped timestamp can be off, at most, over the window the estimate was
 *                        fitted on
 * @param probesUsed      how many sync probes the fit used (after RTT filtering and outlier rejection)
 */
public record ClockEstimate(String host, String reference, Instant at, long anchorNanos, long offsetNanos,
                            double driftPpb, long errorBoundNanos, int probesUsed) {

    /**
     * Maps a local CLOCK_MONOTONIC timestamp of {@code host} to the reference clock.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp taken on {@code host}
     * @return the same instant on the reference host's CLOCK_MONOTONIC, in nanoseconds
     */
    public long toReference(long localNanos) {
        return localNanos + offsetNanos + Math.round(driftPpb * (localNanos - anchorNanos) / 1e9);
    }
}
