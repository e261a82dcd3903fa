package io.latscope.store;

import io.latscope.Credentials;
import io.latscope.StoreSpec;

import java.util.Map;

/**
 * Service-provider interface of result stores, found through {@link java.util.ServiceLoader}
 * (a module's {@code provides}, or {@code META-INF/services}). latscope-store-mysql provides
 * {@code mysql}; the in-memory store ({@code memory:NAME}) is built in.
 */
public interface ResultStoreProvider {
    /**
     * The provider's name, as {@link Stores#providers()} lists it.
     *
     * @return a short name, e.g. {@code mysql}
     */
    String name();

    /**
     * Whether this provider opens stores at a URL: the first provider that says yes is used.
     *
     * @param url a store URL
     * @return whether this provider opens stores at {@code url}
     */
    boolean supports(String url);

    /**
     * Checks and normalises a spec before any connection: the URL's form, credentials taken
     * from the URL, every option's name and value. Fails with a ConfigurationException
     * naming what is wrong.
     *
     * @param url         a URL this provider supports
     * @param credentials the caller's credentials, or null to take them from the URL or the environment
     * @param options     provider-specific settings
     * @return the spec a session can carry
     */
    StoreSpec spec(String url, Credentials credentials, Map<String, String> options);

    /**
     * Opens (connects to, creates or upgrades) the store.
     *
     * @param spec a spec this provider made
     * @return the open store; closing it flushes what is pending
     */
    ResultStore open(StoreSpec spec);
}
