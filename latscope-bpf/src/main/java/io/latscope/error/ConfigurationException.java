package io.latscope.error;

/** Invalid input from the caller: a builder value, a configuration file, a name. */
public class ConfigurationException extends LatScopeException {
    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
