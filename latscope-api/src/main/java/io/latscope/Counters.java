package io.latscope;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongBinaryOperator;

/**
 * What the probes saw, so nothing is lost silently. Every finished marker is either
 * matched (seen at every attached point, in the histograms) or incomplete, for exactly one
 * reason: left out because the ring buffer dropped events while it was in flight
 * ({@code markersOverflow}), not read by the application within the marker timeout
 * ({@code markersExpired}), not observable because the kernel did not run the tracing probes
 * on its way ({@code markersUnobservable}), or else missing a point the probes should have
 * stamped ({@code missingPoints} names which). Counters of an
 * interval are differences; across intervals they add up.
 *
 * @param markersPerPoint      marker sightings per probe point label
 * @param markersMatched       markers seen at every attached point
 * @param markersIncomplete    markers that finished without being matched, for any reason
 * @param markersRetransmitted markers sent or received again (left out of histograms by default)
 * @param ringBufferDrops      events the kernel could not hand over (ring buffer full)
 * @param eventsReceived       events drained from the ring buffer
 * @param markersExpired       of the incomplete: never read by the application within the timeout
 * @param markersOverflow      of the incomplete: in flight while the ring buffer dropped events
 * @param markersUnobservable  of the incomplete: the kernel skipped the tracing probes on their way
 * @param missingPoints        the rest of the incomplete, by the points they lack: labels joined by {@code +},
 *                             e.g. {@code tx.xmit+rx.dev} (each marker under exactly one key)
 * @param dropsPerPoint        ring-buffer drops per probe point label
 * @param markersPending       markers seen but not finished when the counters were taken (a gauge:
 *                             an interval's is the value at its end; hosts add up)
 */
public record Counters(Map<String, Long> markersPerPoint, long markersMatched, long markersIncomplete,
                       long markersRetransmitted, long ringBufferDrops, long eventsReceived, long markersExpired,
                       long markersOverflow, long markersUnobservable, Map<String, Long> missingPoints,
                       Map<String, Long> dropsPerPoint, long markersPending) {

    /** Nothing counted. */
    public static final Counters EMPTY = new Counters(Map.of(), 0, 0, 0, 0, 0);

    /** Copies and sorts the maps. */
    public Counters {
        markersPerPoint = sorted(markersPerPoint);
        missingPoints = sorted(missingPoints);
        dropsPerPoint = sorted(dropsPerPoint);
    }

    /**
     * Counters without a breakdown of the incomplete markers or of the drops.
     *
     * @param markersPerPoint      marker sightings per probe point label
     * @param markersMatched       markers seen at every attached point
     * @param markersIncomplete    markers that finished without being matched
     * @param markersRetransmitted markers sent or received again
     * @param ringBufferDrops      events the kernel could not hand over
     * @param eventsReceived       events drained from the ring buffer
     */
    public Counters(Map<String, Long> markersPerPoint, long markersMatched, long markersIncomplete,
                    long markersRetransmitted, long ringBufferDrops, long eventsReceived) {
        this(markersPerPoint, markersMatched, markersIncomplete, markersRetransmitted, ringBufferDrops, eventsReceived,
                0, 0, 0, Map.of(), Map.of(), 0);
    }

    /**
     * Markers that finished, whether matched or not; pending ones are not counted.
     *
     * @return matched plus incomplete
     */
    public long markersSeen() {
        return markersMatched + markersIncomplete;
    }

    /**
     * Fraction of finished markers that were matched at every point; NaN when none finished
     * (zero of zero is not 100 %: see {@link DataQuality#completeShare()}).
     *
     * @return the fraction, or NaN
     */
    public double matchedRatio() {
        long done = markersSeen();
        return done == 0 ? Double.NaN : (double) markersMatched / done;
    }

    /**
     * What was counted since {@code earlier}: an interval report's counters. Markers pending
     * stay those of these counters (a gauge is not differenced).
     *
     * @param earlier counters taken before these, of the same session
     * @return what was counted since {@code earlier}
     */
    public Counters minus(Counters earlier) {
        return combine(earlier, (a, b) -> a - b, markersPending);
    }

    /**
     * Both added up, pending markers too: counters of consecutive intervals, or of hosts of
     * one session.
     *
     * @param o counters of another interval or host
     * @return both added up
     */
    public Counters plus(Counters o) {
        return combine(o, Long::sum, markersPending + o.markersPending);
    }

    /**
     * These counters of one host and those of its next interval, added up: what the two
     * intervals counted together, with the in-flight gauge as it was at the later one's end.
     *
     * @param later counters of the interval that followed
     * @return both intervals
     */
    public Counters followedBy(Counters later) {
        return combine(later, Long::sum, later.markersPending);
    }

    private Counters combine(Counters o, LongBinaryOperator op, long pending) {
        return new Counters(merge(markersPerPoint, o.markersPerPoint, op), op.applyAsLong(markersMatched, o.markersMatched),
                op.applyAsLong(markersIncomplete, o.markersIncomplete),
                op.applyAsLong(markersRetransmitted, o.markersRetransmitted),
                op.applyAsLong(ringBufferDrops, o.ringBufferDrops), op.applyAsLong(eventsReceived, o.eventsReceived),
                op.applyAsLong(markersExpired, o.markersExpired), op.applyAsLong(markersOverflow, o.markersOverflow),
                op.applyAsLong(markersUnobservable, o.markersUnobservable), merge(missingPoints, o.missingPoints, op),
                merge(dropsPerPoint, o.dropsPerPoint, op), pending);
    }

    private static Map<String, Long> merge(Map<String, Long> a, Map<String, Long> b, LongBinaryOperator op) {
        Map<String, Long> m = new TreeMap<>(a);
        b.forEach((k, v) -> m.merge(k, op.applyAsLong(0, v), Long::sum));
        return m;
    }

    private static Map<String, Long> sorted(Map<String, Long> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m == null ? Map.of() : m));
    }
}
