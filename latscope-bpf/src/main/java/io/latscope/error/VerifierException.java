package io.latscope.error;

import java.util.List;

/**
 * The kernel verifier rejected a BPF program. {@link #getMessage()} is short (program
 * and the verifier's last words); {@link #log()} holds the whole verifier log.
 */
public class VerifierException extends LatScopeException {
    private final String program;
    private final String log;

    public VerifierException(String program, int errno, String log) {
        super(summary(program, errno, log));
        this.program = program;
        this.log = log;
    }

    public String program() {
        return program;
    }

    /** The full verifier log, as the kernel wrote it. */
    public String log() {
        return log;
    }

    private static String summary(String program, int errno, String log) {
        List<String> lines = log.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        // The kernel's verdict is the last lines that are not the processed-insns statistics.
        String verdict = lines.reversed().stream()
                .filter(l -> !l.startsWith("processed ") && !l.startsWith("verification time"))
                .findFirst().orElse("(empty verifier log)");
        return "verifier rejected BPF program '" + program + "' (" + Errno.name(errno) + "): " + verdict
                + " [" + lines.size() + "-line log in VerifierException.log()]";
    }
}
