package io.latscope.sync;

import java.time.Duration;

/**
 * How a host's clock relates to the reference host's: its offset {@code θ(h) =
 * offsetNanos + driftPpb × (h − anchorNanos) / 1e9} (host clock minus reference clock at
 * host time {@code h}), fitted over the probes of a window of the host's time
 * [{@code windowStartNanos}, {@code windowEndNanos}].
 *
 * <p>{@link #errorBoundNanos(long)} is a bound, not a standard deviation: the true offset
 * at a probe lies within half that probe's round trip of what the probe measured
 * (neither leg can take less than zero time); the bound is the tightest such interval
 * over the probes used, plus three standard errors of the drift for the distance to the
 * window. The systematic bias of the stamp points (docs/sync.md) lies inside it.
 *
 * @param host            the host whose clock this maps
 * @param reference       the host whose clock is the reference
 * @param method          how it was measured, e.g. "xdp two-step"
 * @param offsetStdErrorNanos standard error of {@code offsetNanos} from the fit
 * @param driftStdErrorPpb    standard error of a drift fitted over the window (also when the drift
 *                            was within three of them of zero and so taken as 0; 0 when the
 *                            span was too short to fit one)
 * @param probesUsed      probes the fit used (after RTT filtering and outlier rejection)
 * @param probesSeen      answered probes in the window
 */
public record ClockModel(String host, String reference, String method, long anchorNanos, double offsetNanos,
                         double driftPpb, long errorBoundNanos, double offsetStdErrorNanos, double driftStdErrorPpb,
                         int probesUsed, int probesSeen, long windowStartNanos, long windowEndNanos) {

    /** No correction: for hosts that share the reference's clock (namespaces of one machine). */
    public static ClockModel identity(String host, String reference, String method) {
        return new ClockModel(host, reference, method, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Host clock minus reference clock at host time {@code localNanos}. */
    public double offsetAt(long localNanos) {
        return offsetNanos + driftPpb * 1e-9 * (localNanos - anchorNanos);
    }

    /** Maps a timestamp of this host's CLOCK_MONOTONIC to the reference host's. */
    public long toReference(long localNanos) {
        return localNanos - Math.round(offsetAt(localNanos));
    }

    /** Maps a reference timestamp to this host's clock (the inverse of {@link #toReference(long)}). */
    public long fromReference(long referenceNanos) {
        // h − θ(h) = r  ⇔  h = (r + offset − drift·anchor) / (1 − drift)
        double d = driftPpb * 1e-9;
        double h = (referenceNanos + offsetNanos - d * anchorNanos) / (1 - d);
        return referenceNanos + Math.round(h - referenceNanos);
    }

    /** The error bound for a timestamp at {@code localNanos}: grows with the distance from the fit window. */
    public long errorBoundNanos(long localNanos) {
        long outside = localNanos < windowStartNanos ? windowStartNanos - localNanos
                : localNanos > windowEndNanos ? localNanos - windowEndNanos : 0;
        return errorBoundNanos + (long) Math.ceil(3 * driftStdErrorPpb * outside / 1e9);
    }

    /** The span of host time the probes came from. */
    public Duration fitWindow() {
        return Duration.ofNanos(windowEndNanos - windowStartNanos);
    }

    @Override
    public String toString() {
        return String.format("ClockModel[%s vs %s (%s): offset %+.1f ns, drift %+.1f ppb, error bound ±%d ns, "
                        + "std error %.1f ns, %d/%d probes over %s]", host, reference, method, offsetNanos, driftPpb,
                errorBoundNanos, offsetStdErrorNanos, probesUsed, probesSeen, fitWindow());
    }
}
