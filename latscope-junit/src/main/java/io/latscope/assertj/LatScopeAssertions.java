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

    public static LatencyReportAssert assertThat(LatencyReport actual) {
        return new LatencyReportAssert(actual);
    }

    public static HopStatsAssert assertThat(HopStats actual) {
        return new HopStatsAssert(actual);
    }

    /** Regression checks on a comparison made elsewhere, e.g. by {@code ResultStore.compare}. */
    public static ReportComparisonAssert assertThat(ReportComparison actual) {
        return new ReportComparisonAssert(actual);
    }
}
