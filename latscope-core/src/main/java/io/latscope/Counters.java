package io.latscope;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the probes saw, so nothing is lost silently: marker sightings per probe point,
 * markers matched across every requested point, incomplete ones (some point missing when
 * they expired), retransmitted ones (left out of histograms by default), and events the
 * kernel could not hand over (ring buffer full).
 */
public record Counters(Map<String, Long> markersPerPoint, long markersMatched, long markersIncomplete,
                       long markersRetransmitted, long ringBufferDrops, long eventsReceived) {

    public static final Counters EMPTY = new Counters(Map.of(), 0, 0, 0, 0, 0);

    public Counters {
        markersPerPoint = java.util.Collections.unmodifiableMap(new TreeMap<>(markersPerPoint));
    }

    /** Fraction of finished markers that were matched at every point (1.0 when none finished). */
    public double matchedRatio() {
        long done = markersMatched + markersIncomplete;
        return done == 0 ? 1.0 : (double) markersMatched / done;
    }

    /** What was counted since {@code earlier} (for interval reports). */
    public Counters minus(Counters earlier) {
        Map<String, Long> m = new TreeMap<>(markersPerPoint);
        earlier.markersPerPoint.forEach((k, v) -> m.merge(k, -v, Long::sum));
        return new Counters(m, markersMatched - earlier.markersMatched, markersIncomplete - earlier.markersIncomplete,
                markersRetransmitted - earlier.markersRetransmitted, ringBufferDrops - earlier.ringBufferDrops,
                eventsReceived - earlier.eventsReceived);
    }

    public Counters plus(Counters o) {
        Map<String, Long> m = new TreeMap<>(markersPerPoint);
        o.markersPerPoint.forEach((k, v) -> m.merge(k, v, Long::sum));
        return new Counters(m, markersMatched + o.markersMatched, markersIncomplete + o.markersIncomplete,
                markersRetransmitted + o.markersRetransmitted, ringBufferDrops + o.ringBufferDrops,
                eventsReceived + o.eventsReceived);
    }
}
