package io.latscope.error;

/** Root of every exception LatScope throws. Unchecked: callers decide where to handle. */
public class LatScopeException extends RuntimeException {
    /**
     * An exception with a message that names the cause and what to do.
     *
     * @param message for people
     */
    public LatScopeException(String message) {
        super(message);
    }

    /**
     * An exception caused by another, e.g. a parse or I/O failure.
     *
     * @param message for people
     * @param cause   the underlying exception
     */
    public LatScopeException(String message, Throwable cause) {
        super(message, cause);
    }
}
