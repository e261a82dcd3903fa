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

    /**
     * Assertions on a value, shown as LatScope shows durations ({@code 1.25 µs}).
     *
     * @param actual the value
     */
    public LatencyAssert(Duration actual) {
        super(actual, LatencyAssert.class);
        withRepresentation(DurationRepresentation.INSTANCE);
    }

    /**
     * {@code isLessThan(Durations.parse(max))}: {@code "50us"}, {@code "1.5ms"}, {@code "800ns"}.
     *
     * @param max a duration string, e.g. {@code "50us"}
     * @return this, for chaining
     */
    public LatencyAssert isLessThan(String max) {
        return isLessThan(Durations.parse(max));
    }

    /**
     * {@code isLessThanOrEqualTo(Durations.parse(max))}.
     *
     * @param max a duration string, e.g. {@code "50us"}
     * @return this, for chaining
     */
    public LatencyAssert isLessThanOrEqualTo(String max) {
        return isLessThanOrEqualTo(Durations.parse(max));
    }

    /**
     * {@code isGreaterThan(Durations.parse(min))}, e.g. to catch a hop that measured nothing real.
     *
     * @param min a duration string, e.g. {@code "800ns"}
     * @return this, for chaining
     */
    public LatencyAssert isGreaterThan(String min) {
        return isGreaterThan(Durations.parse(min));
    }

    /**
     * {@code isBetween(Durations.parse(min), Durations.parse(max))}, both ends included.
     *
     * @param min a duration string, the lowest allowed
     * @param max a duration string, the highest allowed
     * @return this, for chaining
     */
    public LatencyAssert isBetween(String min, String max) {
        return isBetween(Durations.parse(min), Durations.parse(max));
    }
}
