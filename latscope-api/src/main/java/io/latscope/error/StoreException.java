package io.latscope.error;


/**
 * A result store cannot do what was asked: the database is unreachable, refuses the
 * credentials, lacks a privilege or a schema, or pending data could not be made durable
 * in time. The message names the cause and what to do; it never contains a password.
 */
public class StoreException extends LatScopeException {
    /**
     * An exception with a message that names the cause and what to do, never a password.
     *
     * @param message for people
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * An exception caused by another, e.g. a parse or I/O failure.
     *
     * @param message for people
     * @param cause   the underlying exception
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
