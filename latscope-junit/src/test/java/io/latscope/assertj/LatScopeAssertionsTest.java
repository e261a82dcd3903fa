package io.latscope.assertj;

import io.latscope.Counters;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.ReportComparison;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.latscope.Hop.*;
import static io.latscope.assertj.LatScopeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static java.time.temporal.ChronoUnit.MICROS;

/** The AssertJ assertions on reports built from known values. */
class LatScopeAssertionsTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** {@code n} samples spread evenly from {@code lowNanos} to {@code highNanos}. */
    static Histogram spread(long lowNanos, long highNanos, int n) {
        Histogram h = LatencyReport.newHistogram();
        for (int i = 0; i < n; i++) {
            h.recordValue(lowNanos + (highNanos - lowNanos) * i / Math.max(1, n - 1));
        }
        return h;
    }

    static LatencyReport report(String session, long txTcpHighNanos) {
        return LatencyReport.builder(session).period(T0, T0.plusSeconds(2))
                .hop(TX_TCP, spread(1_000, txTcpHighNanos, 1000))
                .hop(TX_DEV.in("a"), spread(500, 900, 400))
                .hop(TX_DEV.in("b"), spread(500, 900, 100))
                .hop(RX_SOCKET, LatencyReport.newHistogram())
                .counters(new Counters(Map.of(), 990, 10, 0, 0, 5000))
                .unavailable(Hop.RX_IP, "netfilter BPF links need Linux 6.4")
                .build();
    }

    @Test
    void percentileOfAHopAsADuration() {
        LatencyReport r = report("s", 40_000);
        assertThat(r).hop(TX_TCP).hasSamplesAtLeast(1000).percentile(99).isLessThan(Duration.of(50, MICROS));
        assertThat(r).hop("tx.TCP").hasPercentileAtMost(50, Duration.of(25, MICROS));
        assertThat(r).hop(TX_DEV).hasSamplesAtLeast(500); // both namespaces merged
        assertThat(r).hop(TX_TCP).max().isLessThanOrEqualTo("40.1us").isGreaterThan("39us");

        assertThatThrownBy(() -> assertThat(r).hop(TX_TCP).percentile(99).isLessThan("20us"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("[tx.TCP p99 (1000 samples)]")
                .hasMessageContaining("39.62 µs") // shown as in LatScope's tables, not PT0.0000396S
                .hasMessageContaining("20.00 µs");
        assertThatThrownBy(() -> assertThat(r).hop(TX_TCP).hasPercentileAtMost(99.9, Duration.of(10, MICROS)))
                .hasMessageContaining("tx.TCP p99.9 was 39.9").hasMessageContaining("over 10.00 µs (1000 samples)");
    }

    @Test
    void sampleCountsAndMissingOrEmptyHops() {
        LatencyReport r = report("s", 40_000);
        assertThatThrownBy(() -> assertThat(r).hop(TX_TCP).hasSamplesAtLeast(1001))
                .hasMessageContaining("Expecting tx.TCP to have at least 1001 samples but it has 1000");
        assertThatThrownBy(() -> assertThat(r).hop(TX_IP))
                .hasMessageContaining("Expecting the report to have measured tx.IP, but it measured [tx.TCP (1000)")
                .hasMessageContaining("unavailable: {rx.IP=netfilter BPF links need Linux 6.4}");
        // an empty hop's percentiles are 0: never let that pass a budget
        assertThatThrownBy(() -> assertThat(r).hop(RX_SOCKET).percentile(99).isLessThan(Duration.ofMillis(1)))
                .hasMessageContaining("Expecting rx.SOCKET to have samples, but it has none");
        assertThatThrownBy(() -> assertThat(r).hasHops(TX_TCP, RX_SOCKET, TX_IP))
                .hasMessageContaining("but [rx.SOCKET, tx.IP] have no samples");
        assertThatCode(() -> assertThat(r).hasHops(TX_TCP, TX_DEV.in("b")).hasNoRingBufferDrops()
                .hasMatchedRatioAtLeast(0.99)).doesNotThrowAnyException();
        assertThatThrownBy(() -> assertThat(r).hasMatchedRatioAtLeast(0.999))
                .hasMessageContaining("99.90 %").hasMessageContaining("99.00 % were (990 matched, 10 incomplete)");
    }

    @Test
    void comparisonWithABaselineFindsRegressionsBeyondTheTolerance() {
        LatencyReport baseline = report("before", 40_000);
        LatencyReport same = report("after", 40_000);
        LatencyReport slower = report("after", 80_000);

        assertThat(same).comparedTo(baseline).hasNoRegressions();
        assertThat(slower).comparedTo(baseline).hasRegressionIn(TX_TCP).hasNoRegressionIn(TX_DEV);
        assertThatThrownBy(() -> assertThat(slower).comparedTo(baseline).hasNoRegressions())
                .hasMessageContaining("Expecting no latency regression against the baseline (at p50, p99, tolerating +10 %)")
                .hasMessageContaining("tx.TCP p50: 40.48 µs now, 20.50 µs in the baseline (+98 %; 1000 vs 1000 samples)")
                .hasMessageContaining("tx.TCP p99: 79.23 µs now")
                .hasMessageContaining("baseline before (") // the comparison's table follows
                .satisfies(e -> assertThat(e.getMessage().substring(0, e.getMessage().indexOf("\nbaseline ")))
                        .doesNotContain("tx.DEV"));
        // generous enough tolerance: no regression
        assertThat(slower).comparedTo(baseline).atPercentiles(50).tolerating(1.0, Duration.of(1, MICROS)).hasNoRegressions();
        assertThatThrownBy(() -> assertThat(same).comparedTo(baseline).atPercentiles(99.9).hasRegressionIn(TX_TCP))
                .hasMessageContaining("tx.TCP did not regress: tx.TCP p99.9: 39.9");
    }

    @Test
    void comparisonNeedsTheHopOnBothSidesWithEnoughSamples() {
        LatencyReport baseline = report("before", 40_000);
        LatencyReport fewer = LatencyReport.builder("after").period(T0, T0.plusSeconds(1))
                .hop(TX_TCP, spread(1_000, 40_000, 10)).build();
        assertThatThrownBy(() -> assertThat(fewer).comparedTo(baseline).hasNoRegressions())
                .hasMessageContaining("tx.DEV@a is not in the candidate (it measured [tx.TCP])");
        assertThatThrownBy(() -> assertThat(fewer).comparedTo(baseline).withMinSamples(100).hasNoRegressionIn(TX_TCP))
                .hasMessageContaining("tx.TCP has too few samples to compare: 10 now, 1000 in the baseline, at least 100 needed");
        assertThatThrownBy(() -> assertThat(baseline).comparedTo(fewer).hasNoRegressionIn(TX_DEV))
                .hasMessageContaining("tx.DEV is not in the baseline (it measured [tx.TCP])");
        // a comparison made elsewhere
        assertThat(ReportComparison.of(fewer, baseline)).withMinSamples(5).tolerating(0.25, Duration.ZERO)
                .hasNoRegressionIn(TX_TCP);
    }
}
