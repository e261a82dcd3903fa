package io.latscope.bpf;

import io.latscope.error.NotSupportedException;

/** Child-process entry point of {@link BpfEnvironmentTest}: exit 0 when usable, 3 with the message otherwise. */
public final class EnvironmentCheckMain {
    private EnvironmentCheckMain() {
    }

    public static void main(String[] args) {
        try {
            BpfEnvironment.check();
            // A real load too: the check must not pass where loading would fail.
            try (BpfObject o = BpfObject.openBundled("features")) {
                for (BpfProgram p : o.programs()) {
                    p.setAutoload(p.name().equals("feat_raw_tp"));
                }
                o.load();
            }
            System.exit(0);
        } catch (NotSupportedException e) {
            System.err.println(e.getMessage());
            System.exit(3);
        }
    }
}
