package io.latscope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How far a report can be trusted, in numbers a program can check: what was seen, what is
 * in the histograms, what was left out and why, what the ring buffer dropped, how exact
 * the clocks of cross-host hops are, and what the probes cost. Shares are of what was
 * seen; zero of zero is "none", never 100 %. Made by {@link LatencyReport#quality()}.
 *
 * <p>The histograms hold matched markers only (and, unless asked, no retransmitted one), so
 * every hop of a report counts the same markers and a marker's hops add up to its
 * END_TO_END; every incomplete marker is a sample missing from every hop.
 *
 * @param markersSeen       markers that finished
 * @param markersComplete   of those, seen at every attached point
 * @param retransmitted     markers sent or received again
 * @param leftOut           incomplete markers by reason: {@code ring overflow}, {@code expired},
 *                          {@code kernel skipped tracing}, {@code missing <points>} (e.g.
 *                          {@code missing tx.xmit+rx.dev}: each marker under the set of points it lacks)
 * @param missingByPoint    markers finished without a stamp at each point
 * @param ringDrops         events the ring buffer dropped
 * @param ringDropsByPoint  of those, per probe point
 * @param clockBoundNanos   each host's clock-sync error bound (cross-host hops carry it)
 * @param probeCostNanos    mean run time of each probe
 * @param markersPending    markers seen but not finished when the report was made: in flight, or
 *                          left behind by a draining thread that fell behind
 * @param notMeasured       figures besides hops that could not be measured here, with why (e.g. probe
 *                          self-cost without CAP_SYS_ADMIN)
 * @param retransmittedMarkers whether the retransmitted markers are in the histograms (from the
 *                          report's {@link Provenance}; unknown for a report without one)
 */
public record DataQuality(long markersSeen, long markersComplete, long retransmitted, Map<String, Long> leftOut,
                          Map<Point, Long> missingByPoint, long ringDrops, Map<Point, Long> ringDropsByPoint,
                          Map<String, Long> clockBoundNanos, Map<String, Double> probeCostNanos, long markersPending,
                          Map<String, String> notMeasured, RetransmittedMarkers retransmittedMarkers) {

    /** Where a report's retransmitted markers went. */
    public enum RetransmittedMarkers {
        /** Into the histograms, with the rest ({@code includeRetransmissions}). */
        IN_HISTOGRAMS,
        /** Left out of the histograms (the default). */
        LEFT_OUT,
        /** Not known: the report does not say how it was measured. */
        UNKNOWN
    }

    /** Copies the maps. */
    public DataQuality {
        leftOut = Collections.unmodifiableMap(new LinkedHashMap<>(leftOut));
        missingByPoint = Collections.unmodifiableMap(new LinkedHashMap<>(missingByPoint));
        ringDropsByPoint = Collections.unmodifiableMap(new LinkedHashMap<>(ringDropsByPoint));
        clockBoundNanos = Collections.unmodifiableMap(new LinkedHashMap<>(clockBoundNanos));
        probeCostNanos = Collections.unmodifiableMap(new LinkedHashMap<>(probeCostNanos));
        notMeasured = Collections.unmodifiableMap(new LinkedHashMap<>(notMeasured));
    }

    /**
     * @param r a report
     * @return its data quality
     */
    static DataQuality of(LatencyReport r) {
        Counters c = r.counters();
        Map<Point, Long> missing = new java.util.EnumMap<>(Point.class);
        c.missingPoints().forEach((set, n) -> {
            for (String label : set.split("\\+")) {
                points(Map.of(label, n)).forEach((p, v) -> missing.merge(p, v, Long::sum));
            }
        });
        Map<String, Long> leftOut = new LinkedHashMap<>();
        put(leftOut, "ring overflow", c.markersOverflow());
        put(leftOut, "expired", c.markersExpired());
        put(leftOut, "kernel skipped tracing", c.markersUnobservable());
        long rest = c.markersIncomplete() - c.markersOverflow() - c.markersExpired() - c.markersUnobservable();
        long named = 0;
        for (Map.Entry<String, Long> e : c.missingPoints().entrySet()) {
            put(leftOut, "missing " + e.getKey(), e.getValue());
            named += e.getValue();
        }
        put(leftOut, "missing a point", rest - named); // from counters that do not name the points
        Map<String, Long> clocks = new LinkedHashMap<>();
        r.clocks().forEach(e -> clocks.merge(e.host(), e.errorBoundNanos(), Math::max));
        Map<String, Double> costs = new LinkedHashMap<>();
        r.probeCosts().forEach(p -> costs.put(p.attachPoint(), p.meanNanos()));
        Map<String, String> notMeasured = new LinkedHashMap<>(r.notMeasured());
        long flowEndDrops = c.dropsPerPoint().getOrDefault(FLOW_END, 0L);
        if (flowEndDrops > 0) {
            notMeasured.putIfAbsent("exact flow totals", "the ring buffer dropped " + flowEndDrops
                    + " flow-end records, so connections that closed then may be short of their last bytes and segments");
        }
        return new DataQuality(c.markersSeen(), c.markersMatched(), c.markersRetransmitted(), leftOut, missing,
                c.ringBufferDrops(), points(c.dropsPerPoint()), clocks, costs, c.markersPending(), notMeasured,
                r.provenance().isUnknown() ? RetransmittedMarkers.UNKNOWN : r.provenance().retransmissionsIncluded()
                        ? RetransmittedMarkers.IN_HISTOGRAMS : RetransmittedMarkers.LEFT_OUT);
    }

    /** The {@link Counters#dropsPerPoint()} key of dropped flow-end records (final counters of closed connections). */
    static final String FLOW_END = "flow.end";

    private static void put(Map<String, Long> m, String k, long v) {
        if (v > 0) {
            m.put(k, v);
        }
    }

    private static Map<Point, Long> points(Map<String, Long> byLabel) {
        Map<Point, Long> out = new java.util.EnumMap<>(Point.class);
        byLabel.forEach((k, v) -> {
            if (v > 0) {
                try {
                    out.merge(Point.parse(k), v, Long::sum);
                } catch (RuntimeException e) {
                    // a label this version does not know (a newer agent): not a point to name
                }
            }
        });
        return out;
    }

    /**
     * Markers that finished without being matched: samples missing from every hop.
     *
     * @return seen minus complete; {@link #leftOut()} says why
     */
    public long markersIncomplete() {
        return markersSeen - markersComplete;
    }

    /**
     * The complete share of what was seen, for people.
     *
     * @return e.g. {@code 99.67 %}, or {@code none} when nothing was seen
     */
    public String completeShare() {
        return share(markersComplete, markersSeen);
    }

    /**
     * The complete fraction of what was seen, for programs.
     *
     * @return between 0 and 1, NaN when nothing was seen
     */
    public double completeRatio() {
        return markersSeen == 0 ? Double.NaN : (double) markersComplete / markersSeen;
    }

    /**
     * Whether every marker seen is in the histograms and the ring buffer lost nothing. Pending
     * markers and figures not measured do not count against it; a report that saw no marker
     * at all knows nothing, so it is not lossless.
     *
     * @return true when some marker was seen, nothing was left out and nothing dropped
     */
    public boolean isLossless() {
        return markersSeen > 0 && markersIncomplete() == 0 && ringDrops == 0;
    }

    /**
     * What a reader must know before acting on the report, one line each: nothing seen,
     * markers left out, ring-buffer drops. Empty when the data is whole.
     *
     * @return the warnings
     */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (markersSeen == 0 && markersPending == 0) {
            w.add("no marker was seen: the traffic carried no marker byte at this stride, or none of it matched"
                    + " the session's ports and namespaces");
        }
        if (markersPending > markersSeen) {
            w.add(markersPending + " markers were seen but not finished when the report was made, more than finished:"
                    + " the agent fell behind the traffic (a stride this small costs work per byte), so the histograms"
                    + " hold too few of them; raise the stride");
        }
        if (ringDrops > 0) {
            w.add("the ring buffer dropped " + ringDrops + " events" + (ringDropsByPoint.isEmpty() ? ""
                    : " (" + labels(ringDropsByPoint) + ")") + ": the markers in flight then are left out, and markers"
                    + " whose every event was dropped are not counted at all, so every hop may miss samples; enlarge"
                    + " ringBufferBytes or raise the stride");
        }
        notMeasured.forEach((what, why) -> w.add(what + " not measured: " + why));
        if (markersIncomplete() > 0) {
            w.add(markersIncomplete() + " of " + markersSeen + " markers (" + share(markersIncomplete(), markersSeen)
                    + ") are left out of every hop: " + leftOutText());
        }
        return w;
    }

    /**
     * The reasons markers were left out, with their counts, as {@link #warnings()} prints them.
     *
     * @return e.g. {@code 12 missing tx.xmit, 3 expired}; {@code none} when nothing was left out
     */
    public String leftOutText() {
        List<String> parts = new ArrayList<>();
        leftOut.forEach((k, v) -> parts.add(v + " " + k));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /**
     * The data-quality section a report prints.
     *
     * @return one line: seen, complete, left out, in flight, ring drops, clock bounds
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (markersSeen == 0) {
            b.append("data quality: no markers finished (complete: none)");
        } else {
            b.append(String.format(Locale.ROOT, "data quality: %d markers seen, %d complete (%s), %d left out%s; %d retransmitted",
                    markersSeen, markersComplete, completeShare(), markersIncomplete(),
                    markersIncomplete() == 0 ? "" : " (" + leftOutText() + ")", retransmitted));
            if (retransmitted > 0) {
                b.append(switch (retransmittedMarkers) {
                    case IN_HISTOGRAMS -> " (in the histograms: includeRetransmissions)";
                    case LEFT_OUT -> " (also left out of the histograms, which hold " + (markersComplete - retransmitted)
                            + " markers; includeRetransmissions puts them in)";
                    case UNKNOWN -> " (in the histograms only with includeRetransmissions)";
                });
            }
        }
        if (markersPending > 0) {
            b.append("; ").append(markersPending).append(" in flight");
        }
        b.append(ringDrops == 0 ? "; ring buffer: no drops"
                : "; ring buffer: " + ringDrops + " events dropped (" + labels(ringDropsByPoint) + ")");
        if (!clockBoundNanos.isEmpty()) {
            List<String> parts = new ArrayList<>();
            clockBoundNanos.forEach((h, n) -> parts.add(h + " ±" + Durations.format(n)));
            b.append("; clock bound: ").append(String.join(", ", parts));
        }
        return b.toString();
    }

    private static String labels(Map<Point, Long> m) {
        List<String> parts = new ArrayList<>();
        m.forEach((p, n) -> parts.add(p.label() + " " + n));
        return String.join(", ", parts);
    }

    private static String share(long part, long whole) {
        return whole == 0 ? "none" : String.format(Locale.ROOT, "%.2f %%", 100.0 * part / whole);
    }
}
