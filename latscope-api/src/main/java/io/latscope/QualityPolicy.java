package io.latscope;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;

/**
 * When a report's data is good enough to judge a hop's percentile: enough samples for the
 * percentile to mean something, few enough markers left out, and no ring-buffer drops. Used
 * by latency budgets and assertions so that too little or too lossy data fails with a
 * message saying so (and what stride would give enough samples), instead of passing or
 * saying only "not measured".
 *
 * @param minSamples     fewest samples; 0 means automatic: enough for one sample beyond the
 *                       percentile, at least 10 ({@code max(10, ceil(1 / (1 - p/100)))}: 100 for p99)
 * @param maxIncomplete  largest share of seen markers that may be left out, 0–1
 * @param allowRingDrops whether a report whose ring buffer dropped events may be judged
 */
public record QualityPolicy(long minSamples, double maxIncomplete, boolean allowRingDrops) {
    /** Automatic sample count, at most 1 % of markers left out, no ring-buffer drops. */
    public static final QualityPolicy DEFAULT = new QualityPolicy(0, 0.01, false);

    /** Checks the limits. */
    public QualityPolicy {
        if (minSamples < 0) {
            throw new io.latscope.error.ConfigurationException("minSamples must be 0 (automatic) or more, not " + minSamples);
        }
        if (!(maxIncomplete >= 0 && maxIncomplete <= 1)) {
            throw new io.latscope.error.ConfigurationException("maxIncomplete must be in [0, 1], not " + maxIncomplete);
        }
    }

    /**
     * How many samples a percentile needs under this policy.
     *
     * @param percentile a percentile in (0, 100]
     * @return {@code minSamples} when set, else the automatic count (1000 for p100)
     */
    public long samplesFor(double percentile) {
        if (minSamples > 0) {
            return minSamples;
        }
        double tail = 1 - percentile / 100;
        return tail <= 0 ? 1000 : Math.max(10, (long) Math.ceil(1 / tail - 1e-9));
    }

    /**
     * Why {@code hop}'s {@code percentile} in {@code r} cannot be judged, or empty when it can.
     *
     * @param r          the report
     * @param hop        the hop
     * @param percentile the percentile, in (0, 100]
     * @return the problem, in one line that says what to do
     */
    public Optional<String> problem(LatencyReport r, Hop hop, double percentile) {
        DataQuality q = r.quality();
        String p = "p" + BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString();
        if (!allowRingDrops && q.ringDrops() > 0) {
            return Optional.of(hop + " " + p + " cannot be judged: the ring buffer dropped " + q.ringDrops()
                    + " events, so the samples may be few and biased (enlarge ringBufferBytes or raise the stride;"
                    + " allowRingDrops accepts it)");
        }
        if (q.markersSeen() > 0 && (double) q.markersIncomplete() / q.markersSeen() > maxIncomplete) {
            return Optional.of(String.format(Locale.ROOT, "%s %s cannot be judged: %d of %d markers (%s) are left out"
                            + " of every hop (%s), more than the %.2f %% allowed (maxIncomplete)", hop, p,
                    q.markersIncomplete(), q.markersSeen(), share(q.markersIncomplete(), q.markersSeen()),
                    q.leftOutText(), 100 * maxIncomplete));
        }
        long need = samplesFor(percentile);
        long have = r.findHop(hop).map(HopStats::count).orElse(0L);
        Provenance pv = r.provenance();
        if (have == 0 && hop.layer() != null && !pv.isUnknown() && !pv.layers().contains(hop.layer())) {
            return Optional.of(hop + " " + p + " cannot be judged: the session does not stamp the " + hop.layer()
                    + " layer (its layers: " + new java.util.TreeSet<>(pv.layers()) + "); measured: "
                    + r.hops().stream().map(h -> h.hop().toString()).toList());
        }
        if (have < need) {
            String why = have == 0 && r.unavailable().containsKey(hop.unscoped())
                    ? " (unavailable here: " + r.unavailable().get(hop.unscoped()) + ")" : "";
            return Optional.of(hop + " " + p + " cannot be judged: " + (have == 0 ? "no samples" : "only " + have
                    + (have == 1 ? " sample" : " samples")) + why + ", and " + p + " needs at least " + need + (minSamples > 0 ? " (minSamples)"
                    : " (one beyond the percentile)") + strideHint(r, need));
        }
        return Optional.empty();
    }

    /** What stride would have given {@code need} markers for the traffic the report saw. */
    static String strideHint(LatencyReport r, long need) {
        long bytes = r.flows().stream().mapToLong(FlowStats::bytes).sum();
        int stride = r.provenance().strideBytes();
        if (bytes <= 0) {
            return "; the report saw no flow's bytes, so check the session's ports and namespaces";
        }
        long perFlowDirection = Math.max(1, bytes);
        long suggested = Long.highestOneBit(Math.max(1, perFlowDirection / need));
        String at = stride > 0 ? " at stride " + stride + " B about " + bytes / stride + " markers" : "";
        return "; the " + bytes + " B of traffic seen carry" + at + (stride > 0 && suggested >= stride ? ""
                : "; a stride of " + suggested + " B would give about " + bytes / suggested);
    }

    private static String share(long part, long whole) {
        return String.format(Locale.ROOT, "%.2f %%", 100.0 * part / whole);
    }
}
