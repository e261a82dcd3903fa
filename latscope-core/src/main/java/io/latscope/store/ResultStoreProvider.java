package io.latscope.store;

import java.util.Map;

/**
 * A kind of store, found through {@link java.util.ServiceLoader}, selected by URL
 * (e.g. {@code jdbc:mysql:}, {@code jdbc:mariadb:}, {@code memory:}).
 */
public interface ResultStoreProvider {
    /** Short name, e.g. "mysql". */
    String name();

    boolean supports(String url);

    /**
     * Opens a store, failing with a {@link StoreException} that names the cause when it is
     * unusable. {@code credentials} is null when the caller gave none (the provider may look
     * for its own, see {@link Credentials#resolve()}); unknown {@code options} are an error.
     */
    ResultStore open(String url, Credentials credentials, Map<String, String> options);
}
