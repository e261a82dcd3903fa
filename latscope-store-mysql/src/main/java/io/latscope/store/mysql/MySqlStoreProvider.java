package io.latscope.store.mysql;

import io.latscope.Credentials;
import io.latscope.StoreSpec;
import io.latscope.store.ResultStore;
import io.latscope.store.ResultStoreProvider;

import java.util.Map;

/** {@code jdbc:mysql:} and {@code jdbc:mariadb:} — the default persistent store. */
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
    public StoreSpec spec(String url, Credentials credentials, Map<String, String> options) {
        MySqlUrl u = MySqlUrl.parse(url);
        Credentials c = credentials != null ? credentials : u.credentials().orElseGet(Credentials::resolve);
        return MySqlStoreSpec.fromOptions(u.jdbcUrl(), c, options).toStoreSpec();
    }

    @Override
    public ResultStore open(StoreSpec spec) {
        return MySqlStore.open(MySqlStoreSpec.of(spec));
    }
}
