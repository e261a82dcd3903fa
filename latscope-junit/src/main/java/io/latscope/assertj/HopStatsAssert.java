package io.latscope.assertj;

import io.latscope.Durations;
import io.latscope.HopStats;
import org.assertj.core.api.AbstractObjectAssert;

import java.math.BigDecimal;
import java.time.Duration;

/** Assertions on one hop's latency distribution. */
public class HopStatsAssert extends AbstractObjectAssert<HopStatsAssert, HopStats> {

    public HopStatsAssert(HopStats actual) {
        super(actual, HopStatsAssert.class);
        withRepresentation(DurationRepresentation.INSTANCE);
    }

    /** The hop has at least {@code n} samples (markers that crossed it). */
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
     */
    public LatencyAssert percentile(double percentile) {
        requireSamples();
        return new LatencyAssert(actual.percentile(percentile))
                .as("%s %s (%d samples)", actual.hop(), label(percentile), actual.count());
    }

    /** Shorthand for {@code percentile(p).isLessThanOrEqualTo(max)}, with a message like a budget's. */
    public HopStatsAssert hasPercentileAtMost(double percentile, Duration max) {
        requireSamples();
        long observed = actual.percentileNanos(percentile);
        if (observed > max.toNanos()) {
            failWithMessage("%s", actual.hop() + " " + label(percentile) + " was " + Durations.format(observed)
                    + ", over " + Durations.format(max.toNanos()) + " (" + actual.count() + " samples)");
        }
        return this;
    }

    public LatencyAssert mean() {
        requireSamples();
        return new LatencyAssert(Duration.ofNanos(Math.round(actual.meanNanos())))
                .as("%s mean (%d samples)", actual.hop(), actual.count());
    }

    public LatencyAssert max() {
        requireSamples();
        return new LatencyAssert(Duration.ofNanos(actual.maxNanos())).as("%s max (%d samples)", actual.hop(), actual.count());
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
