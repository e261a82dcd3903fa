package io.latscope.store;

import io.latscope.error.LatScopeException;

/**
 * A result store cannot do what was asked: the database is unreachable, refuses the
 * credentials, lacks a privilege or a schema, or pending data could not be made durable
 * in time. The message names the cause and what to do; it never contains a password.
 */
public class StoreException extends LatScopeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
