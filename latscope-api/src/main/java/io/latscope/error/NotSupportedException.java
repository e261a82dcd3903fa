package io.latscope.error;

/**
 * This machine cannot do what was asked: a kernel feature, a privilege or a library is
 * missing. The message names the feature, the kernel, and what to do about it.
 */
public class NotSupportedException extends LatScopeException {
    /** The missing feature. */
    private final String feature;

    /**
     * An exception whose message names the feature, this kernel's release and the reason.
     *
     * @param feature what is missing, e.g. {@code fentry}
     * @param reason  why, and what to do about it
     */
    public NotSupportedException(String feature, String reason) {
        super(feature + " is not supported on this machine (kernel " + KernelRelease.get() + "): " + reason);
        this.feature = feature;
    }

    /**
     * As {@link #NotSupportedException(String, String)}, with the failure that showed it.
     *
     * @param feature what is missing
     * @param reason  why, and what to do about it
     * @param cause   the underlying exception
     */
    public NotSupportedException(String feature, String reason, Throwable cause) {
        super(feature + " is not supported on this machine (kernel " + KernelRelease.get() + "): " + reason, cause);
        this.feature = feature;
    }

    /**
     * The missing feature, for a program that falls back without it.
     *
     * @return e.g. "fentry" or "libbpf.so.1"
     */
    public String feature() {
        return feature;
    }
}
