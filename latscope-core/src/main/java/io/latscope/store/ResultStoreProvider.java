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

    ResultStore open(String url, Credentials credentials, Map<String, String> options);
}
