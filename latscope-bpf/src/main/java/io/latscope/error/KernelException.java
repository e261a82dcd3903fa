package io.latscope.error;

/** A system call or libbpf call failed; carries the operation and errno. */
public class KernelException extends LatScopeException {
    private final int errno;

    public KernelException(String operation, int errno) {
        super(operation + " failed: " + Errno.describe(errno));
        this.errno = errno;
    }

    public KernelException(String operation, int errno, String hint) {
        super(operation + " failed: " + Errno.describe(errno) + (hint == null ? "" : " (" + hint + ")"));
        this.errno = errno;
    }

    /** Positive errno value. */
    public int errno() {
        return errno;
    }
}
