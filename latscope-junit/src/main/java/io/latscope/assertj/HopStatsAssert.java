package io.latscope.assertj;

import io.latscope.Durations;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.QualityPolicy;
import org.assertj.core.api.AbstractObjectAssert;

import java.math.BigDecimal;
import java.time.Duration;

/** Assertions on one hop's latency distribution. */
public class HopStatsAssert extends AbstractObjectAssert<HopStatsAssert, HopStats> {
    private final LatencyReport report;
    private final QualityPolicy quality;

    /**
     * Assertions without a report to judge the data by: only "has samples" is checked before
     * a percentile.
     *
     * @param actual the hop's stats
     */
    public HopStatsAssert(HopStats actual) {
        this(actual, null, null);
    }

    /**
     * Assertions that first check the report's data quality, so that too few samples or
     * too many markers left out fail with a message saying so, not with a wrong verdict.
     *
     * @param actual  the hop's stats
     * @param report  the report they come from, whose data quality decides whether a percentile can be judged
     * @param quality the thresholds
     */
    public HopStatsAssert(HopStats actual, LatencyReport report, QualityPolicy quality) {
        super(actual, HopStatsAssert.class);
        this.report = report;
        this.quality = quality;
        withRepresentation(DurationRepresentation.INSTANCE);
    }

    /**
     * The hop has at least {@code n} samples (markers that crossed it).
     *
     * @param n the fewest samples
     * @return this, for chaining
     */
    public HopStatsAssert hasSamplesAtLeast(long n) {
        isNotNull();
        if (actual.count() < n) {
            failWithMessage("%s", "Expecting " + actual.hop() + " to have at least " + n + " samples but it has "
                    + actual.count());
        }
        return this;
    }

    /**
     * The hop's value at a percentile (0–100) as a {@link Duration} to assert on:
     * {@code .percentile(99).isLessThan(Duration.of(50, MICROS))} or {@code .isLessThan("50us")}.
     * Fails at once on a hop without samples, whose percentiles would be a meaningless 0.
     *
     * @param percentile from 0 to 100, e.g. 99.9
     * @return an assertion on the value, described as e.g. {@code tx.TCP p99 (1234 samples)}
     */
    public LatencyAssert percentile(double percentile) {
        requireSamples();
        requireJudgeable(percentile);
        return new LatencyAssert(actual.percentile(percentile))
                .as("%s %s (%d samples)", actual.hop(), label(percentile), actual.count());
    }

    /**
     * Shorthand for {@code percentile(p).isLessThanOrEqualTo(max)}, with a message like a budget's.
     *
     * @param percentile from 0 to 100
     * @param max        the largest value allowed
     * @return this, for chaining
     */
    public HopStatsAssert hasPercentileAtMost(double percentile, Duration max) {
        requireSamples();
        requireJudgeable(percentile);
        long observed = actual.percentileNanos(percentile);
        if (observed > max.toNanos()) {
            failWithMessage("%s", actual.hop() + " " + label(percentile) + " was " + Durations.format(observed)
                    + ", over " + Durations.format(max.toNanos()) + " (" + actual.count() + " samples)");
        }
        return this;
    }

    /**
     * The hop's mean, to assert on; fails at once on a hop without samples.
     *
     * @return an assertion on the mean, rounded to the nanosecond
     */
    public LatencyAssert mean() {
        requireSamples();
        return new LatencyAssert(Duration.ofNanos(Math.round(actual.meanNanos())))
                .as("%s mean (%d samples)", actual.hop(), actual.count());
    }

    /**
     * The hop's longest duration, to assert on; fails at once on a hop without samples.
     *
     * @return an assertion on the maximum
     */
    public LatencyAssert max() {
        requireSamples();
        return new LatencyAssert(Duration.ofNanos(actual.maxNanos())).as("%s max (%d samples)", actual.hop(), actual.count());
    }

    private void requireJudgeable(double percentile) {
        if (report != null) {
            quality.problem(report, actual.hop(), percentile).ifPresent(p -> failWithMessage("%s", p));
        }
    }

    private void requireSamples() {
        isNotNull();
        if (actual.count() == 0) {
            failWithMessage("%s", "Expecting " + actual.hop() + " to have samples, but it has none");
        }
    }

    /** "p99", "p99.9". */
    static String label(double percentile) {
        return "p" + BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString();
    }
}
