package io.latscope;

import io.latscope.error.ConfigurationException;

import java.nio.file.Path;
import java.util.Map;

/**
 * A user and password for a store. {@link #toString()} never shows the password, and
 * LatScope never logs it or puts it in an exception message.
 *
 * <p>Where they come from, in the order {@link #resolve()} tries:
 * <ol>
 *   <li>the caller: {@link #of(String, String)};</li>
 *   <li>the environment: {@value #USER_ENV} and {@value #PASSWORD_ENV};</li>
 *   <li>a file named by {@value #FILE_ENV}, else {@code ~/.latscope/db.properties}: lines
 *       {@code user=...} and {@code password=...} (a MySQL option file's {@code [client]}
 *       section reads the same). Keep it readable by its owner only.</li>
 * </ol>
 *
 * @param user     the database user; not blank
 * @param password the password; empty for none, never null
 */
public record Credentials(String user, String password) {
    /** The environment variable {@link #fromEnvironment()} and {@link #resolve()} read the user from. */
    public static final String USER_ENV = "LATSCOPE_DB_USER";
    /** The environment variable holding the password; unset means an empty password. */
    public static final String PASSWORD_ENV = "LATSCOPE_DB_PASSWORD";
    /** The environment variable naming the credentials file {@link #resolve()} reads instead of the default one. */
    public static final String FILE_ENV = "LATSCOPE_DB_CREDENTIALS_FILE";

    /**
     * Checks the user and turns a null password into an empty one.
     *
     * @param user     the database user; not blank
     * @param password the password; null or empty for none
     * @throws ConfigurationException when {@code user} is null or blank
     */
    public Credentials {
        if (user == null || user.isBlank()) {
            throw new ConfigurationException("store credentials need a user name");
        }
        password = password == null ? "" : password;
    }

    /**
     * Credentials the caller holds, e.g. from its own secret store.
     *
     * @param user     the database user; not blank
     * @param password the password; null or empty for none
     * @return the credentials
     * @throws ConfigurationException when {@code user} is null or blank
     */
    public static Credentials of(String user, String password) {
        return new Credentials(user, password);
    }

    /**
     * From {@value #USER_ENV} and {@value #PASSWORD_ENV} (an unset password is empty).
     *
     * @return the credentials in the environment
     * @throws ConfigurationException when {@value #USER_ENV} is not set
     */
    public static Credentials fromEnvironment() {
        return CredentialSources.fromEnvironment(System.getenv())
                .orElseThrow(() -> new ConfigurationException(USER_ENV + " is not set"));
    }

    /**
     * From a file with {@code user=} and {@code password=} lines (values may be quoted, as in a
     * MySQL option file). Logs a warning when other users can read it.
     *
     * @param file a properties file
     * @return the credentials in it
     * @throws ConfigurationException when the file cannot be read or has no {@code user=} line
     */
    public static Credentials fromFile(Path file) {
        return CredentialSources.fromFile(file);
    }

    /**
     * The environment, else the credentials file; fails naming every place it looked.
     *
     * @return the first credentials found, in the order of the list above
     * @throws ConfigurationException when there are none, or the file named is unreadable
     */
    public static Credentials resolve() {
        return CredentialSources.resolve(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Credentials resolve(Map<String, String> env, Path home) {
        return CredentialSources.resolve(env, home);
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=" + (password.isEmpty() ? "(none)" : "****") + "]";
    }
}
