package io.latscope.assertj;

import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ReportComparison;
import org.assertj.core.api.AbstractObjectAssert;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Assertions on a {@link LatencyReport}. */
public class LatencyReportAssert extends AbstractObjectAssert<LatencyReportAssert, LatencyReport> {

    public LatencyReportAssert(LatencyReport actual) {
        super(actual, LatencyReportAssert.class);
    }

    /**
     * Assertions on one hop; fails when the report did not measure it. An unscoped hop
     * measured in several namespaces is all of them merged, as {@link LatencyReport#hop(Hop)}.
     */
    public HopStatsAssert hop(Hop hop) {
        isNotNull();
        Optional<HopStats> h = actual.findHop(hop);
        if (h.isEmpty()) {
            failWithMessage("%s", "Expecting the report to have measured " + hop + ", but it measured " + measured()
                    + (actual.unavailable().isEmpty() ? "" : "; unavailable: " + actual.unavailable()));
        }
        return new HopStatsAssert(h.get()).as("%s", hop);
    }

    /** {@link #hop(Hop)} by name: {@code "tx.TCP"}, {@code "END_TO_END"}, {@code "rx.DEV@ns"}. */
    public HopStatsAssert hop(String hop) {
        return hop(Hop.parse(hop));
    }

    /** The report measured each of these hops, with at least one sample each. */
    public LatencyReportAssert hasHops(Hop... hops) {
        isNotNull();
        List<Hop> missing = new ArrayList<>();
        for (Hop h : hops) {
            if (actual.findHop(h).map(HopStats::count).orElse(0L) == 0) {
                missing.add(h);
            }
        }
        if (!missing.isEmpty()) {
            failWithMessage("%s", "Expecting the report to have measured " + List.of(hops) + ", but " + missing
                    + " have no samples; measured: " + measured()
                    + (actual.unavailable().isEmpty() ? "" : "; unavailable: " + actual.unavailable()));
        }
        return this;
    }

    /** No event was lost between the kernel and LatScope (a full ring buffer drops them). */
    public LatencyReportAssert hasNoRingBufferDrops() {
        isNotNull();
        if (actual.counters().ringBufferDrops() > 0) {
            failWithMessage("%s", "Expecting no ring-buffer drops, but the kernel dropped "
                    + actual.counters().ringBufferDrops() + " events");
        }
        return this;
    }

    /** At least this fraction (0–1) of the finished markers were seen at every probe point. */
    public LatencyReportAssert hasMatchedRatioAtLeast(double ratio) {
        isNotNull();
        if (actual.counters().matchedRatio() < ratio) {
            failWithMessage("%s", String.format(Locale.ROOT, "Expecting at least %.2f %% of markers matched at every"
                            + " point, but %.2f %% were (%d matched, %d incomplete)", 100 * ratio,
                    100 * actual.counters().matchedRatio(), actual.counters().markersMatched(),
                    actual.counters().markersIncomplete()));
        }
        return this;
    }

    /** Hop-by-hop comparison with a baseline report ({@link ReportComparison}), for regression checks. */
    public ReportComparisonAssert comparedTo(LatencyReport baseline) {
        isNotNull();
        if (baseline == null) {
            throw new IllegalArgumentException("the baseline report is null");
        }
        return new ReportComparisonAssert(ReportComparison.of(baseline, actual));
    }

    private List<String> measured() {
        return actual.hops().stream().map(h -> h.hop() + " (" + h.count() + ")").toList();
    }
}
