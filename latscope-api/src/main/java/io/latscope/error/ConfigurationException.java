package io.latscope.error;

/** Invalid input from the caller: a builder value, a configuration file, a name. */
public class ConfigurationException extends LatScopeException {
    /**
     * An exception with a message that names the input that is wrong and what a valid one looks like.
     *
     * @param message for people
     */
    public ConfigurationException(String message) {
        super(message);
    }

    /**
     * An exception caused by another, e.g. a parse or I/O failure.
     *
     * @param message for people
     * @param cause   the underlying exception
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
