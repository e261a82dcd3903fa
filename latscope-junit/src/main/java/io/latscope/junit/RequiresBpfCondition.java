package io.latscope.junit;

import io.latscope.LatScope;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.List;
import java.util.Optional;

/** Evaluates {@link RequiresBpf}: enabled where eBPF is usable; otherwise fails, or disables when asked to. */
public final class RequiresBpfCondition implements ExecutionCondition {

    /** Made by JUnit, through {@link RequiresBpf}. */
    public RequiresBpfCondition() {
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        // Each element decides for itself: a class-level annotation is evaluated once, for the class.
        Optional<RequiresBpf> annotation = AnnotationSupport.findAnnotation(context.getElement(), RequiresBpf.class);
        if (annotation.isEmpty()) {
            return ConditionEvaluationResult.enabled("no @RequiresBpf on " + context.getDisplayName());
        }
        List<String> problems = LatScope.problems();
        if (problems.isEmpty()) {
            return ConditionEvaluationResult.enabled("eBPF is usable");
        }
        String missing = String.join("; ", problems);
        if (annotation.get().disableIfMissing()) {
            return ConditionEvaluationResult.disabled("LatScope needs eBPF, and this machine lacks it: " + missing);
        }
        throw new ConfigurationException(context.getDisplayName() + " needs eBPF, and this machine lacks it: " + missing
                + ". Fix that (e.g. run the tests as root), or annotate it @RequiresBpf(disableIfMissing = true)"
                + " to disable it where eBPF is missing.");
    }
}
