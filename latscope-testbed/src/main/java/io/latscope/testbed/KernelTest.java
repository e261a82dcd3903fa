package io.latscope.testbed;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test against the real kernel: needs root and BPF (a missing prerequisite fails the
 * test with what to install, it never skips), and must leave no kernel object behind.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("kernel")
@ExtendWith({RequireBpf.class, KernelLeakCheck.class})
public @interface KernelTest {
}
