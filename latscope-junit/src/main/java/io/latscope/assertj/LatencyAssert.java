package io.latscope.assertj;

import io.latscope.Durations;
import org.assertj.core.api.AbstractDurationAssert;

import java.time.Duration;

/**
 * Assertions on one latency value (a hop's percentile, mean or max): every {@link Duration}
 * assertion, and the same comparisons with LatScope's duration strings ({@code "50us"},
 * {@code "1.5ms"}), shown as LatScope's tables show them.
 */
public class LatencyAssert extends AbstractDurationAssert<LatencyAssert> {

    public LatencyAssert(Duration actual) {
        super(actual, LatencyAssert.class);
        withRepresentation(DurationRepresentation.INSTANCE);
    }

    /** {@code isLessThan(Durations.parse(max))}: {@code "50us"}, {@code "1.5ms"}, {@code "800ns"}. */
    public LatencyAssert isLessThan(String max) {
        return isLessThan(Durations.parse(max));
    }

    public LatencyAssert isLessThanOrEqualTo(String max) {
        return isLessThanOrEqualTo(Durations.parse(max));
    }

    public LatencyAssert isGreaterThan(String min) {
        return isGreaterThan(Durations.parse(min));
    }

    public LatencyAssert isBetween(String min, String max) {
        return isBetween(Durations.parse(min), Durations.parse(max));
    }
}
