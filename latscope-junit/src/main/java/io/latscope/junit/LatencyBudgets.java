package io.latscope.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Container of repeated {@link LatencyBudget}s. */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(LatScopeExtension.class)
public @interface LatencyBudgets {
    /**
     * The budgets, each checked on its own.
     *
     * @return the repeated budgets, in declaration order
     */
    LatencyBudget[] value();
}
