package io.latscope.error;

/**
 * This machine cannot do what was asked: a kernel feature, a privilege or a library is
 * missing. The message names the feature, the kernel, and what to do about it.
 */
public class NotSupportedException extends LatScopeException {
    private final String feature;

    public NotSupportedException(String feature, String reason) {
        super(feature + " is not supported on this machine (kernel " + KernelRelease.get() + "): " + reason);
        this.feature = feature;
    }

    public NotSupportedException(String feature, String reason, Throwable cause) {
        super(feature + " is not supported on this machine (kernel " + KernelRelease.get() + "): " + reason, cause);
        this.feature = feature;
    }

    /** The missing feature, e.g. "fentry" or "libbpf.so.1". */
    public String feature() {
        return feature;
    }
}
