package io.latscope.store.mysql;

import io.latscope.store.Credentials;
import io.latscope.store.MySqlStoreSpec;
import io.latscope.store.ResultStore;
import io.latscope.store.ResultStoreProvider;
import io.latscope.store.Stores;

import java.util.Map;

/** {@code jdbc:mysql://...} and {@code jdbc:mariadb://...}; options as in {@link MySqlStoreSpec#fromOptions}. */
public final class MySqlStoreProvider implements ResultStoreProvider {
    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public boolean supports(String url) {
        return url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:");
    }

    @Override
    public ResultStore open(String url, Credentials credentials, Map<String, String> options) {
        MySqlStoreSpec base = credentials == null ? Stores.mysql(url) : Stores.mysql(url, credentials);
        return MySqlStoreSpec.fromOptions(base.jdbcUrl(), base.credentials(), options).open();
    }
}
