package io.latscope.assertj;

import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ReportComparison;

/**
 * Entry point of the AssertJ assertions on LatScope reports; import statically next to
 * AssertJ's own {@code assertThat}.
 *
 * <pre>{@code
 * assertThat(report).hop(TX_TCP).hasSamplesAtLeast(1000)
 *                   .percentile(99).isLessThan(Duration.of(50, MICROS));   // or .isLessThan("50us")
 * assertThat(candidate).comparedTo(baseline).tolerating(0.10, Duration.of(2, MICROS)).hasNoRegressions();
 * }</pre>
 */
public final class LatScopeAssertions {
    private LatScopeAssertions() {
    }

    /**
     * Assertions on a report: pick a hop, check data quality, compare with a baseline.
     *
     * @param actual the report, e.g. {@code session.snapshot()}
     * @return the assertion
     */
    public static LatencyReportAssert assertThat(LatencyReport actual) {
        return new LatencyReportAssert(actual);
    }

    /**
     * Assertions on one hop's stats taken out of a report; without the report, its data
     * quality is not checked (prefer {@code assertThat(report).hop(...)}).
     *
     * @param actual the hop's stats
     * @return the assertion
     */
    public static HopStatsAssert assertThat(HopStats actual) {
        return new HopStatsAssert(actual);
    }

    /**
     * Regression checks on a comparison made elsewhere, e.g. by {@code ResultStore.compare}.
     *
     * @param actual the comparison
     * @return the assertion
     */
    public static ReportComparisonAssert assertThat(ReportComparison actual) {
        return new ReportComparisonAssert(actual);
    }
}
