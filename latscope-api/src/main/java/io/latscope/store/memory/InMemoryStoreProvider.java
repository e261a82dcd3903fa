package io.latscope.store.memory;

import io.latscope.Credentials;
import io.latscope.StoreSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.store.ResultStore;
import io.latscope.store.ResultStoreProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code memory:NAME} — one {@link InMemoryStore} per name for the life of the JVM, so that
 * what a session wrote can be opened and read after it closed.
 */
public final class InMemoryStoreProvider implements ResultStoreProvider {
    private static final Map<String, InMemoryStore> STORES = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public boolean supports(String url) {
        return url.startsWith("memory:");
    }

    @Override
    public StoreSpec spec(String url, Credentials credentials, Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new ConfigurationException("the in-memory store takes no options; got " + options.keySet());
        }
        if (credentials != null) {
            throw new ConfigurationException("the in-memory store takes no credentials");
        }
        return new StoreSpec(url, null, Map.of());
    }

    @Override
    public ResultStore open(StoreSpec spec) {
        return STORES.computeIfAbsent(spec.url(), u -> new InMemoryStore());
    }
}
