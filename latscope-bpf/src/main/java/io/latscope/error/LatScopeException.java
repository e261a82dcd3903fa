package io.latscope.error;

/** Root of every exception LatScope throws. Unchecked: callers decide where to handle. */
public class LatScopeException extends RuntimeException {
    public LatScopeException(String message) {
        super(message);
    }

    public LatScopeException(String message, Throwable cause) {
        super(message, cause);
    }
}
