package io.latscope;

import java.time.Instant;

/**
 * How a host's clock relates to the reference host's at one time: {@code reference =
 * local + offsetNanos + driftPpb × (local − anchorNanos) / 1e9}, within
 * ±{@code errorBoundNanos}.
 */
public record ClockEstimate(String host, String reference, Instant at, long anchorNanos, long offsetNanos,
                            double driftPpb, long errorBoundNanos, int probesUsed) {

    /** Maps a local CLOCK_MONOTONIC timestamp of {@code host} to the reference clock. */
    public long toReference(long localNanos) {
        return localNanos + offsetNanos + Math.round(driftPpb * (localNanos - anchorNanos) / 1e9);
    }
}
