package io.latscope.agent;

import io.latscope.bpf.Feature;
import io.latscope.bpf.FeatureStatus;
import io.latscope.error.ConfigurationException;

import java.util.Locale;

/**
 * Which hook a point uses where the kernel offers both a BPF trampoline (fentry/fexit) and a
 * tracepoint, netfilter link or sockops callback: system property {@value #PROPERTY}.
 * {@code auto} (the default) takes fentry for tx.TCP and trampolines only where the other
 * hook is missing; {@code fentry} takes a trampoline for every point that has one (tx.sock,
 * tx.TCP, tx.IP, rx.IP, rx.sock, rx.app); {@code tracepoints} takes none. For comparing the
 * two sets on one kernel (docs/benchmarks.md, "Probe cost on the guest kernel"); a kernel
 * without trampolines uses the other hooks whatever this says.
 */
enum HookPreference {
    AUTO, FENTRY, TRACEPOINTS;

    /** The system property read when a session's probes are loaded. */
    static final String PROPERTY = "latscope.hooks";

    static HookPreference current() {
        String v = System.getProperty(PROPERTY, "auto").strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto", "" -> AUTO;
            case "fentry" -> FENTRY;
            case "tracepoints" -> TRACEPOINTS;
            default -> throw new ConfigurationException(PROPERTY + " must be auto, fentry or tracepoints, got '"
                    + System.getProperty(PROPERTY) + "'");
        };
    }

    /** The trampoline feature as this preference lets the probes use it. */
    FeatureStatus fentry(FeatureStatus probed) {
        return this == TRACEPOINTS
                ? new FeatureStatus(Feature.FENTRY, FeatureStatus.Outcome.NOT_SUPPORTED, "not used: " + PROPERTY + "=tracepoints")
                : probed;
    }

    /** Whether a point's trampoline stand-in is taken, given whether its own hook is missing here. */
    boolean standIn(boolean hookMissing) {
        return this == FENTRY || hookMissing;
    }
}
