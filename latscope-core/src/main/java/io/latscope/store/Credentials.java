package io.latscope.store;

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
 */
public record Credentials(String user, String password) {
    public static final String USER_ENV = "LATSCOPE_DB_USER";
    public static final String PASSWORD_ENV = "LATSCOPE_DB_PASSWORD";
    public static final String FILE_ENV = "LATSCOPE_DB_CREDENTIALS_FILE";

    public Credentials {
        if (user == null || user.isBlank()) {
            throw new ConfigurationException("store credentials need a user name");
        }
        password = password == null ? "" : password;
    }

    public static Credentials of(String user, String password) {
        return new Credentials(user, password);
    }

    /** From {@value #USER_ENV} and {@value #PASSWORD_ENV} (an unset password is empty). */
    public static Credentials fromEnvironment() {
        return CredentialSources.fromEnvironment(System.getenv())
                .orElseThrow(() -> new ConfigurationException(USER_ENV + " is not set"));
    }

    /** From a file with {@code user=} and {@code password=} lines. */
    public static Credentials fromFile(Path file) {
        return CredentialSources.fromFile(file);
    }

    /**
     * The environment, else the credentials file; fails naming every place it looked.
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
