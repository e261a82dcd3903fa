package io.latscope.error;

import java.util.List;

/**
 * The kernel verifier rejected a BPF program. {@link #getMessage()} is short (program
 * and the verifier's last words); {@link #log()} holds the whole verifier log.
 */
public class VerifierException extends LatScopeException {
    /** The rejected program's name. */
    private final String program;
    /** The full verifier log. */
    private final String log;

    /**
     * An exception whose message is the program, the errno and the log's verdict line.
     *
     * @param program the program's name in its object file
     * @param errno   what the load returned, e.g. EACCES or EINVAL
     * @param log     the verifier log, whole
     */
    public VerifierException(String program, int errno, String log) {
        super(summary(program, errno, log));
        this.program = program;
        this.log = log;
    }

    /**
     * The program the verifier rejected.
     *
     * @return its name in the BPF object file
     */
    public String program() {
        return program;
    }

    /**
     * The full verifier log, as the kernel wrote it.
     *
     * @return every line, the verdict near the end
     */
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
