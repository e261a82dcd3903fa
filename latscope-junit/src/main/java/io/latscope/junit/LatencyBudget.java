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
 * during that test: the test fails when the hop's percentile is above {@link #max()}, when
 * the hop was not measured, or when it has fewer than {@link #minSamples()} samples. The
 * failure names the hop, the percentile, the observed value, the budget and the sample
 * count. On a class, a budget applies to each of its tests. Hop names and durations are
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
    /** The hop, as {@link io.latscope.Hop#parse(String)} reads it: {@code tx.DEV}, {@code END_TO_END}, {@code rx.TCP@ns}. */
    String hop();

    /** The percentile, above 0 and at most 100. */
    double percentile() default 99;

    /** The most the percentile may be: {@code 800ns}, {@code 200us}, {@code 1.5ms}, {@code 2s}. */
    String max();

    /** The fewest samples that make the percentile meaningful; fewer fails the test. */
    long minSamples() default 1;
}
