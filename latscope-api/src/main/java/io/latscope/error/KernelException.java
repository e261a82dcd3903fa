package io.latscope.error;

/** A system call or libbpf call failed; carries the operation and errno. */
public class KernelException extends LatScopeException {
    /** Positive errno value. */
    private final int errno;

    /**
     * A failure whose message is {@code operation failed: ENAME (description)}.
     *
     * @param operation what was called, e.g. {@code bpf_prog_load(tx_tcp)}
     * @param errno     the errno value, positive
     */
    public KernelException(String operation, int errno) {
        super(operation + " failed: " + Errno.describe(errno));
        this.errno = errno;
    }

    /**
     * A failure with a hint at the likely cause and what to do.
     *
     * @param operation what was called
     * @param errno     the errno value, positive
     * @param hint      appended in parentheses, e.g. which capability is missing; may be null
     */
    public KernelException(String operation, int errno, String hint) {
        super(operation + " failed: " + Errno.describe(errno) + (hint == null ? "" : " (" + hint + ")"));
        this.errno = errno;
    }

    /**
     * The errno value the call failed with, to tell e.g. EPERM from ENOENT; see {@link Errno}.
     *
     * @return the positive errno value
     */
    public int errno() {
        return errno;
    }
}
