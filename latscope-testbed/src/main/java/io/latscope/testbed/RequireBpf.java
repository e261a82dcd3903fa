package io.latscope.testbed;

import io.latscope.bpf.BpfEnvironment;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails (never skips) a kernel test class when the machine cannot run BPF, saying what is missing. */
public final class RequireBpf implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        var problems = BpfEnvironment.problems();
        if (!problems.isEmpty()) {
            throw new AssertionError("kernel tests need a BPF-capable machine; missing: " + String.join("; ", problems)
                    + ". Run scripts/bootstrap as root first.");
        }
    }
}
