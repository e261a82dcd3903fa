package io.latscope.store;

import io.latscope.error.ConfigurationException;
import io.latscope.store.memory.InMemoryStore;
import io.latscope.store.mysql.MySqlUrl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/**
 * Stores to hand to a session's builder: {@code .store(mysql(url, credentials))},
 * {@code .store(inMemory())}, or any store a {@link ResultStoreProvider} on the class or
 * module path offers: {@code .store(of("memory:"))}.
 */
public final class Stores {
    private static final Pattern SECRET_PARAM = Pattern.compile("(?i)([?&;](password|pass|pwd|secret)[^=&;]*=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//)[^/@]*@");

    private Stores() {
    }

    /** MySQL 8 or MariaDB, e.g. {@code jdbc:mysql://127.0.0.1:3306/latscope}; a password in the URL is ignored. */
    public static MySqlStoreSpec mysql(String jdbcUrl, Credentials credentials) {
        if (credentials == null) {
            throw new ConfigurationException("credentials are null; use Stores.mysql(url) to take them from the environment");
        }
        return MySqlStoreSpec.defaults(MySqlUrl.parse(jdbcUrl).jdbcUrl(), credentials);
    }

    /**
     * MySQL with credentials from the URL ({@code ?user=...&password=...}), else from the
     * environment or the credentials file (see {@link Credentials#resolve()}).
     */
    public static MySqlStoreSpec mysql(String jdbcUrl) {
        MySqlUrl url = MySqlUrl.parse(jdbcUrl);
        return MySqlStoreSpec.defaults(url.jdbcUrl(), url.credentials().orElseGet(Credentials::resolve));
    }

    /**
     * Results kept in this JVM. Every {@link StoreSpec#open()} of the returned spec gives the
     * same store, so what a session wrote can be read after the session has closed it.
     */
    public static StoreSpec inMemory() {
        InMemoryStore store = new InMemoryStore();
        return new StoreSpec() {
            @Override
            public ResultStore open() {
                return store;
            }

            @Override
            public String description() {
                return store.description();
            }

            @Override
            public String toString() {
                return "StoreSpec[" + description() + "]";
            }
        };
    }

    public static StoreSpec of(String url) {
        return of(url, null, Map.of());
    }

    public static StoreSpec of(String url, Credentials credentials) {
        return of(url, credentials, Map.of());
    }

    /**
     * A store from whichever provider supports {@code url}; {@code credentials} may be null
     * for stores that need none or find their own. Fails now if no provider supports it.
     */
    public static StoreSpec of(String url, Credentials credentials, Map<String, String> options) {
        ResultStoreProvider p = provider(url);
        return new ProviderStoreSpec(p, url, credentials, Map.copyOf(options));
    }

    /** Names of the store providers found on the class or module path. */
    public static List<String> providers() {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(ResultStoreProvider.class).forEach(p -> names.add(p.name()));
        return names;
    }

    /** The URL without passwords or user info, for messages and logs. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return USER_INFO.matcher(SECRET_PARAM.matcher(url).replaceAll("$1****")).replaceAll("$1****@");
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
        throw new ConfigurationException("no store supports '" + redact(url) + "'; providers found: " + providers()
                + " (a provider is a ResultStoreProvider listed in META-INF/services or a module's 'provides')");
    }

    private record ProviderStoreSpec(ResultStoreProvider provider, String url, Credentials credentials,
                                     Map<String, String> options) implements StoreSpec {
        @Override
        public ResultStore open() {
            return provider.open(url, credentials, options);
        }

        @Override
        public String description() {
            return provider.name() + " " + redact(url) + (credentials == null ? "" : " as " + credentials.user());
        }

        @Override
        public String toString() {
            return "StoreSpec[" + description() + (options.isEmpty() ? "" : ", options=" + options) + "]";
        }
    }
}
