package io.latscope.sync;

import java.time.Duration;

/**
 * How a host's clock relates to the reference host's: its offset {@code θ(h) =
 * offsetNanos + driftPpb × (h − anchorNanos) / 1e9} (host clock minus reference clock at
 * host time {@code h}), fitted over the probes of a window of the host's time
 * [{@code windowStartNanos}, {@code windowEndNanos}].
 *
 * <p>The error bound is a bound, not a standard deviation, and it does not rest on
 * statistics of the kept probes: by causality alone (no leg takes less than zero time)
 * every probe confines the true offset, however long either leg queued, and
 * {@link #bounds()} holds those constraints ({@link CausalBounds}). The true offset at host
 * time {@code h} lies within [{@link #offsetLowerNanos(long)}, {@link #offsetUpperNanos(long)}],
 * so {@link #toReference(long)} is off by at most {@link #errorBoundNanos(long)} there;
 * {@link #errorBoundNanos()} is the largest such bound over the fit window (what a
 * cross-host hop measured then carries). Outside the window the bound grows as far as the
 * drift allowed by the constraints can carry the offset. The systematic bias of the stamp
 * points (docs/sync.md) lies inside it; so does the asymmetry of queueing under load.
 *
 * @param host            the host whose clock this maps
 * @param reference       the host whose clock is the reference
 * @param method          how it was measured, e.g. "xdp two-step"
 * @param anchorNanos     the host time the drift is measured from
 * @param offsetNanos     host minus reference clock at {@code anchorNanos}
 * @param driftPpb        how fast the offset grows, in parts per billion of host time (0 when not
 *                        significant)
 * @param offsetStdErrorNanos standard error of {@code offsetNanos} from the fit
 * @param driftStdErrorPpb    standard error of a drift fitted over the window (also when the drift
 *                            was within three of them of zero and so taken as 0; 0 when the
 *                            span was too short to fit one)
 * @param probesUsed      probes the fit used (after RTT filtering and outlier rejection)
 * @param probesSeen      answered probes in the window
 * @param errorBoundNanos  the largest {@link #errorBoundNanos(long)} over the fit window
 * @param windowStartNanos host time of the window's first probe
 * @param windowEndNanos   host time of its last: never earlier than the previous model's
 * @param bounds          the causal constraints of the window's probes
 */
public record ClockModel(String host, String reference, String method, long anchorNanos, double offsetNanos,
                         double driftPpb, long errorBoundNanos, double offsetStdErrorNanos, double driftStdErrorPpb,
                         int probesUsed, int probesSeen, long windowStartNanos, long windowEndNanos,
                         CausalBounds bounds) {

    /**
     * No correction: for hosts that share the reference's clock (namespaces of one machine).
     *
     * @param host      the host's label
     * @param reference the reference's label
     * @param method    what to show as the method, e.g. {@code reference}
     * @return a model with zero offset, drift and bound
     */
    public static ClockModel identity(String host, String reference, String method) {
        return new ClockModel(host, reference, method, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CausalBounds.EXACT);
    }

    /**
     * Host clock minus reference clock at host time {@code localNanos}.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return the offset in nanoseconds, on the fitted line
     */
    public double offsetAt(long localNanos) {
        return offsetNanos + driftPpb * 1e-9 * (localNanos - anchorNanos);
    }

    /**
     * Maps a timestamp of this host's CLOCK_MONOTONIC to the reference host's.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return the same instant on the reference's clock, off by at most {@link #errorBoundNanos(long)}
     */
    public long toReference(long localNanos) {
        return localNanos - Math.round(offsetAt(localNanos));
    }

    /**
     * Maps a reference timestamp to this host's clock (the inverse of {@link #toReference(long)}).
     *
     * @param referenceNanos a CLOCK_MONOTONIC timestamp of the reference host
     * @return the same instant on this host's clock
     */
    public long fromReference(long referenceNanos) {
        // h − θ(h) = r  ⇔  h = (r + offset − drift·anchor) / (1 − drift)
        double d = driftPpb * 1e-9;
        double h = (referenceNanos + offsetNanos - d * anchorNanos) / (1 - d);
        return referenceNanos + Math.round(h - referenceNanos);
    }

    /**
     * How far {@link #toReference(long)} of a timestamp taken at host time {@code localNanos}
     * can be off: the distance from {@link #offsetAt(long)} to the further end of
     * [{@link #offsetLowerNanos(long)}, {@link #offsetUpperNanos(long)}]. Within the fit
     * window at most {@link #errorBoundNanos()}; outside it, it grows with the distance.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return the bound in nanoseconds
     */
    public long errorBoundNanos(long localNanos) {
        if (bounds.constraints() == 0) {
            return errorBoundNanos;
        }
        double at = offsetAt(localNanos);
        return (long) Math.ceil(Math.max(at - bounds.lowerNanos(localNanos), bounds.upperNanos(localNanos) - at));
    }

    /**
     * The lowest the true offset (host minus reference clock) can be at host time {@code localNanos}.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return in nanoseconds
     */
    public double offsetLowerNanos(long localNanos) {
        return bounds.constraints() == 0 ? offsetAt(localNanos) - errorBoundNanos : bounds.lowerNanos(localNanos);
    }

    /**
     * The highest the true offset can be at host time {@code localNanos}.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return in nanoseconds
     */
    public double offsetUpperNanos(long localNanos) {
        return bounds.constraints() == 0 ? offsetAt(localNanos) + errorBoundNanos : bounds.upperNanos(localNanos);
    }

    /**
     * This model without its window's constraints, keeping the bound over the window: for a
     * timestamp within the window the bound still holds (symmetric around the line, so at
     * least as wide), and the model takes a few hundred bytes instead of four arrays the
     * size of the window's probes.
     */
    ClockModel withoutConstraints() {
        return bounds.constraints() == 0 ? this : new ClockModel(host, reference, method, anchorNanos, offsetNanos,
                driftPpb, errorBoundNanos, offsetStdErrorNanos, driftStdErrorPpb, probesUsed, probesSeen, windowStartNanos,
                windowEndNanos, CausalBounds.EXACT);
    }

    /**
     * The span of host time the probes came from.
     *
     * @return window end minus start; zero for {@link #identity}
     */
    public Duration fitWindow() {
        return Duration.ofNanos(windowEndNanos - windowStartNanos);
    }

    @Override
    public String toString() {
        return String.format("ClockModel[%s vs %s (%s): offset %+.1f ns, drift %+.1f ppb, error bound ±%d ns, "
                        + "std error %.1f ns, %d/%d probes over %s, %s]", host, reference, method, offsetNanos, driftPpb,
                errorBoundNanos, offsetStdErrorNanos, probesUsed, probesSeen, fitWindow(), bounds);
    }
}
