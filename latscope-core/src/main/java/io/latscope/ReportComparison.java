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
    }

    public static ReportComparison of(LatencyReport baseline, LatencyReport candidate) {
        return new ReportComparison(baseline, candidate);
    }

    public LatencyReport baseline() {
        return baseline;
    }

    public LatencyReport candidate() {
        return candidate;
    }

    /** Every hop of either report, in path order. */
    public List<HopComparison> hops() {
        return hops;
    }

    /** One hop; an unscoped hop measured in several scopes compares the merged histograms. */
    public Optional<HopComparison> hop(Hop hop) {
        Optional<HopStats> b = baseline.findHop(hop);
        Optional<HopStats> c = candidate.findHop(hop);
        return b.isEmpty() && c.isEmpty() ? Optional.empty() : Optional.of(new HopComparison(hop, b.orElse(null), c.orElse(null)));
    }

    /** A value in the baseline and in the candidate, in nanoseconds. */
    public record Change(long baselineNanos, long candidateNanos) {
        public long deltaNanos() {
            return candidateNanos - baselineNanos;
        }

        /** candidate / baseline: 1.0 unchanged, 2.0 doubled; infinite when only the baseline is 0. */
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
     */
    public record HopComparison(Hop hop, HopStats baseline, HopStats candidate) {
        public boolean inBoth() {
            return baseline != null && candidate != null;
        }

        /**
         * @throws ConfigurationException when the hop is missing from one report
         */
        public Change percentile(double percentile) {
            requireBoth();
            return new Change(baseline.percentileNanos(percentile), candidate.percentileNanos(percentile));
        }

        public Change p50() {
            return percentile(50);
        }

        public Change p90() {
            return percentile(90);
        }

        public Change p99() {
            return percentile(99);
        }

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
