package io.latscope.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A latency budget for one hop, checked after the test against what the session measured
 * during that test: the test fails when the hop's percentile is above {@link #max()}, and
 * also when the data cannot judge it — too few samples for the percentile
 * ({@link #minSamples()}), too many markers left out ({@link #maxIncomplete()}), or a ring
 * buffer that dropped events ({@link #allowRingDrops()}); that message says why and which
 * stride would give enough samples for the traffic seen. The failure names the hop, the
 * percentile, the observed value, the budget and the sample count. On a class, a budget applies to each of its tests. Hop names and durations are
 * checked before the test runs.
 *
 * <pre>{@code
 * @LatencyBudget(hop = "tx.DEV", percentile = 99, max = "200us")
 * @LatencyBudget(hop = "END_TO_END", percentile = 50, max = "1ms", minSamples = 1000)
 * }</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(LatencyBudgets.class)
// So that a budget is never ignored, even in a class that forgot @LatScopeTest.
@ExtendWith(LatScopeExtension.class)
public @interface LatencyBudget {
    /**
     * The hop the budget is for.
     *
     * @return a hop name, as {@link io.latscope.Hop#parse(String)} reads it: {@code tx.DEV}, {@code END_TO_END},
     *         {@code rx.TCP@ns}
     */
    String hop();

    /**
     * The percentile judged.
     *
     * @return above 0 and at most 100; default 99
     */
    double percentile() default 99;

    /**
     * The most the percentile may be.
     *
     * @return a duration string: {@code 800ns}, {@code 200us}, {@code 1.5ms}, {@code 2s}
     */
    String max();

    /**
     * The fewest samples that make the percentile meaningful; fewer fails the test.
     *
     * @return a sample count; 0 (the default) asks for one sample beyond the percentile, at least 10: 100 for p99
     */
    long minSamples() default 0;

    /**
     * The largest share of the markers seen that may be left out as incomplete; more fails the test.
     *
     * @return a fraction from 0 to 1; default 0.01
     */
    double maxIncomplete() default 0.01;

    /**
     * Whether the budget may be judged on a report whose ring buffer dropped events (whose
     * samples may be few and biased).
     *
     * @return false by default: drops fail the test
     */
    boolean allowRingDrops() default false;
}
