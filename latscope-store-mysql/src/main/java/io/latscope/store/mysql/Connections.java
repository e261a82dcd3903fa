package io.latscope.store.mysql;

import com.mysql.cj.jdbc.MysqlDataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.latscope.Credentials;
import io.latscope.store.mysql.MySqlStoreSpec;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;

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
        c.setDataSource(new LoginTimeoutDataSource(driver));
        c.setPoolName("latscope-store-" + url.database());
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(Math.max(250, spec.connectTimeout().toMillis()));
        c.setInitializationFailTimeout(-1);
        c.setReadOnly(spec.readOnly());
        return new HikariDataSource(c);
    }

    /**
     * Connector/J's data source ignores login timeouts and reports 0, which makes the pool
     * give up waiting for its helper threads at shutdown and log a warning on every close.
     * This keeps the timeout the pool sets; connections still time out by connectTimeout.
     */
    private static final class LoginTimeoutDataSource implements DataSource {
        private final MysqlDataSource driver;
        private volatile int loginTimeoutSeconds;

        LoginTimeoutDataSource(MysqlDataSource driver) {
            this.driver = driver;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return driver.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return driver.getConnection(user, password);
        }

        @Override
        public int getLoginTimeout() {
            return loginTimeoutSeconds;
        }

        @Override
        public void setLoginTimeout(int seconds) {
            loginTimeoutSeconds = seconds;
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return driver.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            driver.setLogWriter(out);
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return driver.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return type.isInstance(driver) ? type.cast(driver) : driver.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return type.isInstance(driver) || driver.isWrapperFor(type);
        }
    }
}
