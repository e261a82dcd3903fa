package io.latscope.store.memory;

import io.latscope.error.ConfigurationException;
import io.latscope.store.Credentials;
import io.latscope.store.ResultStore;
import io.latscope.store.ResultStoreProvider;

import java.util.Map;

/** {@code memory:} — a fresh {@link InMemoryStore} per open. */
public final class InMemoryStoreProvider implements ResultStoreProvider {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public boolean supports(String url) {
        return url.startsWith("memory:");
    }

    @Override
    public ResultStore open(String url, Credentials credentials, Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new ConfigurationException("the in-memory store takes no options; got " + options.keySet());
        }
        return new InMemoryStore();
    }
}
