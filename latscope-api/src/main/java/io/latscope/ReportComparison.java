package io.latscope;

import io.latscope.error.ConfigurationException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Two reports side by side, hop by hop: how p50, p90, p99 and max moved from a baseline
 * to a candidate (e.g. two stored sessions, or a run against a recorded reference).
 *
 * <pre>{@code
 * ReportComparison c = ReportComparison.of(store.load("before").orElseThrow(), store.load("after").orElseThrow());
 * c.hop(Hop.TX_DEV).orElseThrow().p99().ratio();   // 1.8 = p99 grew by 80 %
 * System.out.println(c);                            // a table of every hop
 * }</pre>
 */
public final class ReportComparison {
    private final LatencyReport baseline;
    private final LatencyReport candidate;
    private final List<HopComparison> hops;
    private final List<String> differences;

    private ReportComparison(LatencyReport baseline, LatencyReport candidate) {
        this.baseline = baseline;
        this.candidate = candidate;
        TreeSet<Hop> all = new TreeSet<>();
        baseline.hops().forEach(h -> all.add(h.hop()));
        candidate.hops().forEach(h -> all.add(h.hop()));
        List<HopComparison> list = new ArrayList<>();
        for (Hop h : all) {
            list.add(new HopComparison(h, baseline.findHop(h).orElse(null), candidate.findHop(h).orElse(null)));
        }
        this.hops = List.copyOf(list);
        this.differences = differences(baseline.provenance(), candidate.provenance());
    }

    private static List<String> differences(Provenance b, Provenance c) {
        List<String> d = new ArrayList<>();
        if (b.isUnknown() || c.isUnknown()) {
            if (b.isUnknown() != c.isUnknown()) {
                d.add("the " + (b.isUnknown() ? "baseline" : "candidate") + " does not say how it was measured");
            }
            return d;
        }
        if (!b.layers().equals(c.layers())) {
            d.add("layers differ (" + new TreeSet<>(b.layers()) + " vs " + new TreeSet<>(c.layers()) + "): a hop spans from"
                    + " its layer's boundary to the next stamped one, so a hop of the same name covers more of the stack"
                    + " where fewer layers were stamped");
        }
        if (b.strideBytes() != c.strideBytes()) {
            d.add("strides differ (" + b.strideBytes() + " B vs " + c.strideBytes() + " B): the histograms sample the"
                    + " traffic differently, and counts are not comparable");
        }
        if (!b.ports().equals(c.ports())) {
            d.add("ports differ (" + new TreeSet<>(b.ports()) + " vs " + new TreeSet<>(c.ports()) + "): different traffic");
        }
        if (b.retransmissionsIncluded() != c.retransmissionsIncluded()) {
            d.add("retransmitted markers are " + (b.retransmissionsIncluded() ? "in" : "not in") + " the baseline's histograms"
                    + " and " + (c.retransmissionsIncluded() ? "in" : "not in") + " the candidate's: their tails differ by that");
        }
        if (!b.sync().equals(c.sync())) {
            d.add("clock sync differs (" + b.sync() + " vs " + c.sync() + "): cross-host hops carry different error bounds");
        }
        if (!b.kernels().equals(c.kernels())) {
            d.add("kernels differ (" + b.kernels() + " vs " + c.kernels() + ")");
        }
        return List.copyOf(d);
    }

    /**
     * How the two reports were measured differently, one line each: layers, stride, ports,
     * clock sync or kernels. A hop's span depends on the layers stamped (with {@code TCP}
     * left out, {@code tx.SOCKET} runs to the IP boundary), so a comparison across different
     * layers compares different spans under one name.
     *
     * @return the differences; empty when both were measured alike, or neither says how
     */
    public List<String> differences() {
        return differences;
    }

    /**
     * Compares two reports; neither need be of the same session.
     *
     * @param baseline the reference, e.g. the run before a change
     * @param candidate the report judged against it
     * @return the comparison of every hop in either
     */
    public static ReportComparison of(LatencyReport baseline, LatencyReport candidate) {
        return new ReportComparison(baseline, candidate);
    }

    /**
     * The reference report.
     *
     * @return the baseline given to {@link #of}
     */
    public LatencyReport baseline() {
        return baseline;
    }

    /**
     * The report judged against the baseline.
     *
     * @return the candidate given to {@link #of}
     */
    public LatencyReport candidate() {
        return candidate;
    }

    /**
     * Every hop of either report, in path order.
     *
     * @return one per hop; a hop in only one report has a null side
     */
    public List<HopComparison> hops() {
        return hops;
    }

    /**
     * One hop; an unscoped hop measured in several scopes compares the merged histograms.
     *
     * @param hop the hop, scoped or not
     * @return its comparison; empty when neither report measured it
     */
    public Optional<HopComparison> hop(Hop hop) {
        Optional<HopStats> b = baseline.findHop(hop);
        Optional<HopStats> c = candidate.findHop(hop);
        return b.isEmpty() && c.isEmpty() ? Optional.empty() : Optional.of(new HopComparison(hop, b.orElse(null), c.orElse(null)));
    }

    /**
     * A value in the baseline and in the candidate, in nanoseconds.
     *
     * @param baselineNanos  the value in the baseline
     * @param candidateNanos the value in the candidate
     */
    public record Change(long baselineNanos, long candidateNanos) {
        /**
         * How much the value grew.
         *
         * @return candidate minus baseline, in nanoseconds; negative when it shrank
         */
        public long deltaNanos() {
            return candidateNanos - baselineNanos;
        }

        /**
         * The factor the value changed by.
         *
         * @return candidate / baseline: 1.0 unchanged, 2.0 doubled; infinite when only the baseline is 0
         */
        public double ratio() {
            if (baselineNanos == 0) {
                return candidateNanos == 0 ? 1.0 : Double.POSITIVE_INFINITY;
            }
            return (double) candidateNanos / baselineNanos;
        }

        @Override
        public String toString() {
            long d = deltaNanos();
            return Durations.format(baselineNanos) + " -> " + Durations.format(candidateNanos) + " ("
                    + (d >= 0 ? "+" : "-") + Durations.format(Math.abs(d)) + ", x" + String.format(Locale.ROOT, "%.2f", ratio()) + ")";
        }
    }

    /**
     * One hop in both reports. {@code baseline} or {@code candidate} is null when the hop was
     * measured in only one of them.
     *
     * @param hop       the hop
     * @param baseline  its stats in the baseline, or null
     * @param candidate its stats in the candidate, or null
     */
    public record HopComparison(Hop hop, HopStats baseline, HopStats candidate) {
        /**
         * Whether both reports measured the hop, so its values can be compared.
         *
         * @return true when neither side is null
         */
        public boolean inBoth() {
            return baseline != null && candidate != null;
        }

        /**
         * How a percentile moved.
         *
         * @param percentile from 0 to 100
         * @return the value in both reports
         * @throws ConfigurationException when the hop is missing from one report
         */
        public Change percentile(double percentile) {
            requireBoth();
            return new Change(baseline.percentileNanos(percentile), candidate.percentileNanos(percentile));
        }

        /**
         * How the median moved.
         *
         * @return {@code percentile(50)}
         * @throws ConfigurationException when the hop is missing from one report
         */
        public Change p50() {
            return percentile(50);
        }

        /**
         * How the 90th percentile moved.
         *
         * @return {@code percentile(90)}
         * @throws ConfigurationException when the hop is missing from one report
         */
        public Change p90() {
            return percentile(90);
        }

        /**
         * How the 99th percentile moved.
         *
         * @return {@code percentile(99)}
         * @throws ConfigurationException when the hop is missing from one report
         */
        public Change p99() {
            return percentile(99);
        }

        /**
         * How the longest duration moved.
         *
         * @return the maximum in both reports
         * @throws ConfigurationException when the hop is missing from one report
         */
        public Change max() {
            requireBoth();
            return new Change(baseline.maxNanos(), candidate.maxNanos());
        }

        private void requireBoth() {
            if (!inBoth()) {
                throw new ConfigurationException("hop " + hop + " was measured only in the "
                        + (baseline == null ? "candidate" : "baseline") + "; nothing to compare");
            }
        }
    }

    @Override
    public String toString() {
        StringWriter sw = new StringWriter();
        PrintWriter out = new PrintWriter(sw);
        out.printf(Locale.ROOT, "baseline %s (%s .. %s) vs candidate %s (%s .. %s)%n", baseline.sessionId(), baseline.start(),
                baseline.end(), candidate.sessionId(), candidate.start(), candidate.end());
        for (String d : differences) {
            out.println("! " + d);
        }
        String row = "%-22s %21s %34s %34s %34s %34s%n";
        out.printf(Locale.ROOT, row, "hop", "count", "p50", "p90", "p99", "max");
        for (HopComparison h : hops) {
            if (!h.inBoth()) {
                out.printf(Locale.ROOT, "%-22s only in the %s%n", h.hop(), h.baseline() == null ? "candidate" : "baseline");
                continue;
            }
            out.printf(Locale.ROOT, row, h.hop(), h.baseline().count() + " -> " + h.candidate().count(), h.p50(), h.p90(),
                    h.p99(), h.max());
        }
        if (hops.isEmpty()) {
            out.println("(no hop in either report)");
        }
        out.flush();
        return sw.toString();
    }
}
