package io.latscope.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test (class or method) that needs eBPF: privileges (root, or CAP_BPF, CAP_PERFMON and
 * CAP_NET_ADMIN), kernel BTF and libbpf. Where any is missing the test <em>fails</em> with
 * what is missing and what to do — a latency test that silently does not run proves
 * nothing. Only with {@code disableIfMissing = true} is it disabled instead, with the same
 * reason in the report.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(RequiresBpfCondition.class)
public @interface RequiresBpf {
    /**
     * Disable the test where eBPF is unusable, instead of failing it.
     *
     * @return false by default: a missing prerequisite fails the test
     */
    boolean disableIfMissing() default false;
}
