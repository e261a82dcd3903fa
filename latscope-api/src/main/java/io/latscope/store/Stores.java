package io.latscope.store;

import io.latscope.Credentials;
import io.latscope.StoreSpec;
import io.latscope.error.ConfigurationException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;

/**
 * Store specs for a session's builder — {@code .store(mysql(url))}, {@code .store(inMemory())},
 * or any store a {@link ResultStoreProvider} on the class or module path offers,
 * {@code .store(of(url))} — and {@link #open(StoreSpec)} to read results back.
 */
public final class Stores {
    private Stores() {
    }

    /**
     * MySQL 8 or MariaDB (needs latscope-store-mysql), e.g. {@code jdbc:mysql://127.0.0.1:3306/latscope}.
     *
     * @param jdbcUrl     the database's JDBC URL; a password in it is ignored
     * @param credentials the user and password
     * @return the spec
     */
    public static StoreSpec mysql(String jdbcUrl, Credentials credentials) {
        if (credentials == null) {
            throw new ConfigurationException("credentials are null; use Stores.mysql(url) to take them from the environment");
        }
        return of(jdbcUrl, credentials, Map.of());
    }

    /**
     * MySQL with credentials from the URL ({@code ?user=...&password=...}), else from the
     * environment or the credentials file (see {@link Credentials#resolve()}).
     *
     * @param jdbcUrl the database's JDBC URL
     * @return the spec
     */
    public static StoreSpec mysql(String jdbcUrl) {
        return of(jdbcUrl, null, Map.of());
    }

    /**
     * Results kept in this JVM under a fresh name: every {@link #open(StoreSpec)} of the
     * returned spec gives the same store, so what a session wrote can be read after the
     * session closed it. It lives as long as the JVM: meant for tests and short programs.
     *
     * @return the spec
     */
    public static StoreSpec inMemory() {
        return of("memory:" + UUID.randomUUID());
    }

    /**
     * Any store a provider on the class or module path supports, e.g. {@code memory:test}.
     *
     * @param url a store URL
     * @return the spec of the store some provider supports at {@code url}
     * @throws ConfigurationException when no provider supports the URL (naming those found)
     */
    public static StoreSpec of(String url) {
        return of(url, null, Map.of());
    }

    /**
     * Any store a provider supports, with credentials.
     *
     * @param url         a store URL
     * @param credentials the user and password, or null
     * @return the spec of the store some provider supports at {@code url}
     * @throws ConfigurationException when no provider supports the URL
     */
    public static StoreSpec of(String url, Credentials credentials) {
        return of(url, credentials, Map.of());
    }

    /**
     * Any store a provider supports, with credentials and options.
     *
     * @param url         a store URL
     * @param credentials the user and password, or null to take them from the URL or the environment
     * @param options     provider-specific settings, checked now
     * @return the spec of the store some provider supports at {@code url}
     * @throws ConfigurationException when no provider supports the URL, or the provider rejects an option
     */
    public static StoreSpec of(String url, Credentials credentials, Map<String, String> options) {
        return provider(url).spec(url, credentials, Map.copyOf(options));
    }

    /**
     * Opens the store a spec names (to read past sessions, compare runs, or write).
     *
     * @param spec the spec
     * @return the open store
     */
    public static ResultStore open(StoreSpec spec) {
        return provider(spec.url()).open(spec);
    }

    /**
     * The store providers on the class or module path, to tell a user what is there.
     *
     * @return the names of the providers found, e.g. {@code [memory, mysql]}
     */
    public static List<String> providers() {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(ResultStoreProvider.class).forEach(p -> names.add(p.name()));
        return names;
    }

    /**
     * A store URL fit for messages and logs.
     *
     * @param url a store URL
     * @return the URL with any password masked
     */
    public static String redact(String url) {
        return StoreSpec.redact(url);
    }

    private static ResultStoreProvider provider(String url) {
        if (url == null || url.isBlank()) {
            throw new ConfigurationException("empty store URL; stores are " + providers());
        }
        for (ResultStoreProvider p : ServiceLoader.load(ResultStoreProvider.class)) {
            if (p.supports(url)) {
                return p;
            }
        }
        String hint = url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:")
                ? " (add the dependency io.latscope:latscope-store-mysql)" : "";
        throw new ConfigurationException("no store supports '" + redact(url) + "'" + hint + "; providers found: "
                + providers() + " (a provider is a ResultStoreProvider listed in META-INF/services or a module's 'provides')");
    }
}
