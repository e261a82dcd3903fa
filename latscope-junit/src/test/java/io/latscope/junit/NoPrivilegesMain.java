package io.latscope.junit;

import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * Child-process entry point of {@link LatScopeExtensionTest}, run without capabilities:
 * prints one line per example class saying how it ended and why.
 */
public final class NoPrivilegesMain {
    private NoPrivilegesMain() {
    }

    public static void main(String[] args) {
        for (Class<?> c : new Class<?>[] {ExtensionExamples.RequiresBpfByDefault.class,
                ExtensionExamples.RequiresBpfOrDisabled.class, ExtensionExamples.SessionWithoutRequiresBpf.class}) {
            EngineExecutionResults r = Runs.run(c);
            var skipped = r.containerEvents().skipped().list();
            var failed = r.allEvents().failed().list();
            String outcome;
            if (!skipped.isEmpty()) {
                outcome = "disabled: " + skipped.getFirst().getPayload(String.class).orElse("");
            } else if (!failed.isEmpty()) {
                outcome = "failed: " + Runs.failure(r, null);
            } else {
                outcome = "passed " + r.testEvents().succeeded().count();
            }
            System.out.println(c.getSimpleName() + " " + outcome.replace('\n', ' '));
        }
    }
}
