package io.latscope.store.mysql;

import com.mysql.cj.jdbc.MysqlDataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.latscope.store.Credentials;
import io.latscope.store.MySqlStoreSpec;

import java.sql.SQLException;
import java.time.Duration;

/** The driver's data source and the pool over it, configured for batched writes. */
final class Connections {
    /** Long enough for a large batch or a migration step; short enough that a hung server is noticed. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofMinutes(2);

    private Connections() {
    }

    static MysqlDataSource driver(MySqlUrl url, Credentials credentials, MySqlStoreSpec spec) throws SQLException {
        MysqlDataSource ds = new MysqlDataSource();
        ds.setURL(url.jdbcUrl());
        ds.setUser(credentials.user());
        ds.setPassword(credentials.password());
        // Multi-row INSERTs from addBatch: the batching the store relies on.
        ds.setRewriteBatchedStatements(true);
        ds.setCachePrepStmts(true);
        ds.setPrepStmtCacheSize(64);
        ds.setUseLocalSessionState(true);
        ds.setCharacterEncoding("UTF-8");
        ds.setConnectTimeout(Math.toIntExact(spec.connectTimeout().toMillis()));
        ds.setSocketTimeout(Math.toIntExact(SOCKET_TIMEOUT.toMillis()));
        ds.setTcpKeepAlive(true);
        return ds;
    }

    /**
     * Two connections: the writer's and one for reads. The pool does not connect at
     * creation (the store has already checked the database with a direct connection) and
     * keeps no idle minimum, so it does not hammer a database that is away.
     */
    static HikariDataSource pool(MysqlDataSource driver, MySqlUrl url, MySqlStoreSpec spec) {
        HikariConfig c = new HikariConfig();
        c.setDataSource(driver);
        c.setPoolName("latscope-store-" + url.database());
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(Math.max(250, spec.connectTimeout().toMillis()));
        c.setInitializationFailTimeout(-1);
        c.setReadOnly(spec.readOnly());
        return new HikariDataSource(c);
    }
}
