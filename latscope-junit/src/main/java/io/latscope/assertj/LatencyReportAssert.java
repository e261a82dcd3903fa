package io.latscope.assertj;

import io.latscope.Hop;
import io.latscope.DataQuality;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.QualityPolicy;
import io.latscope.ReportComparison;
import org.assertj.core.api.AbstractObjectAssert;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Assertions on a {@link LatencyReport}. */
public class LatencyReportAssert extends AbstractObjectAssert<LatencyReportAssert, LatencyReport> {
    private QualityPolicy quality = QualityPolicy.DEFAULT;

    /**
     * Assertions on a report, judged by {@link QualityPolicy#DEFAULT} until {@link #withQuality} says otherwise.
     *
     * @param actual the report to check
     */
    public LatencyReportAssert(LatencyReport actual) {
        super(actual, LatencyReportAssert.class);
    }

    /**
     * When a hop's percentiles may be judged ({@link QualityPolicy#DEFAULT} unless set):
     * {@code hop(h).percentile(p)} fails with a data-quality message when the samples are
     * too few or too incomplete, instead of checking a meaningless value.
     *
     * @param policy the thresholds
     * @return this
     */
    public LatencyReportAssert withQuality(QualityPolicy policy) {
        this.quality = java.util.Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * The report's data is whole by the policy's thresholds: no ring-buffer drops (unless
     * allowed), at most {@code maxIncomplete} of the markers left out, and some marker seen.
     *
     * @return this
     */
    public LatencyReportAssert hasTrustworthyData() {
        isNotNull();
        DataQuality q = actual.quality();
        if (q.markersSeen() == 0 || (!quality.allowRingDrops() && q.ringDrops() > 0)
                || (double) q.markersIncomplete() / q.markersSeen() > quality.maxIncomplete()) {
            failWithMessage("%s", "Expecting the report's data to be whole enough to judge, but " + q
                    + (q.warnings().isEmpty() ? "" : "\n  " + String.join("\n  ", q.warnings())));
        }
        return this;
    }

    /**
     * Assertions on one hop; fails when the report did not measure it. An unscoped hop
     * measured in several namespaces is all of them merged, as {@link LatencyReport#hop(Hop)}.
     *
     * @param hop the hop, scoped or not
     * @return assertions on its stats that check this report's data quality first
     */
    public HopStatsAssert hop(Hop hop) {
        isNotNull();
        Optional<HopStats> h = actual.findHop(hop);
        if (h.isEmpty()) {
            failWithMessage("%s", "Expecting the report to have measured " + hop + ", but it measured " + measured()
                    + (actual.unavailable().isEmpty() ? "" : "; unavailable: " + actual.unavailable())
                    + quality.problem(actual, hop, 50).map(p -> "; " + p).orElse(""));
        }
        return new HopStatsAssert(h.get(), actual, quality).as("%s", hop);
    }

    /**
     * {@link #hop(Hop)} by name: {@code "tx.TCP"}, {@code "END_TO_END"}, {@code "rx.DEV@ns"}.
     *
     * @param hop a hop name, as {@link Hop#parse(String)} reads it
     * @return assertions on its stats
     */
    public HopStatsAssert hop(String hop) {
        return hop(Hop.parse(hop));
    }

    /**
     * The report measured each of these hops, with at least one sample each.
     *
     * @param hops the hops expected
     * @return this, for chaining
     */
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

    /**
     * No event was lost between the kernel and LatScope (a full ring buffer drops them).
     *
     * @return this, for chaining
     */
    public LatencyReportAssert hasNoRingBufferDrops() {
        isNotNull();
        if (actual.counters().ringBufferDrops() > 0) {
            failWithMessage("%s", "Expecting no ring-buffer drops, but the kernel dropped "
                    + actual.counters().ringBufferDrops() + " events");
        }
        return this;
    }

    /**
     * At least this fraction (0–1) of the finished markers were seen at every probe point (and some were seen).
     *
     * @param ratio the lowest matched share, e.g. 0.99
     * @return this, for chaining
     */
    public LatencyReportAssert hasMatchedRatioAtLeast(double ratio) {
        isNotNull();
        if (!(actual.counters().matchedRatio() >= ratio)) {
            failWithMessage("%s", String.format(Locale.ROOT, "Expecting at least %.2f %% of markers matched at every"
                            + " point, but %.2f %% were (%d matched, %d incomplete)", 100 * ratio,
                    100 * actual.counters().matchedRatio(), actual.counters().markersMatched(),
                    actual.counters().markersIncomplete()));
        }
        return this;
    }

    /**
     * Hop-by-hop comparison with a baseline report ({@link ReportComparison}), for regression checks.
     *
     * @param baseline the reference report; this report is the candidate
     * @return assertions on the comparison
     * @throws IllegalArgumentException when {@code baseline} is null
     */
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
