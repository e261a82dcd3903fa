package io.latscope.store.mysql;

import io.latscope.Credentials;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.fail;

/**
 * A database of its own for one test class ({@code latscope_it_<random>}) on a MariaDB
 * server, dropped with the users it made on {@link #close()}. The machine's MariaDB is
 * shared, so nothing else on it is touched.
 */
public final class TestDatabase implements AutoCloseable {
    public static final String SYSTEM_HOST_PORT = "127.0.0.1:3306";
    private final String hostPort;
    private final Credentials admin;
    private final String name;
    private final List<String> users = new ArrayList<>();

    private TestDatabase(String hostPort, Credentials admin, String name) {
        this.hostPort = hostPort;
        this.admin = admin;
        this.name = name;
    }

    /** On the machine's MariaDB as root (no password), as {@code scripts/bootstrap} sets it up. */
    public static TestDatabase onSystemMariaDb() {
        return create(SYSTEM_HOST_PORT, Credentials.of("root", ""));
    }

    public static TestDatabase create(String hostPort, Credentials admin) {
        String name = "latscope_it_" + randomHex();
        TestDatabase db = new TestDatabase(hostPort, admin, name);
        try (Connection c = db.server()) {
            c.prepareStatement("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4").execute();
        } catch (SQLException e) {
            fail("MariaDB at " + hostPort + " is not usable as " + admin.user() + " (" + e.getMessage()
                    + "); install and start it with 'sudo scripts/bootstrap' (package mariadb-server)", e);
        }
        return db;
    }

    public String name() {
        return name;
    }

    public String hostPort() {
        return hostPort;
    }

    public String url() {
        return "jdbc:mysql://" + hostPort + "/" + name;
    }

    public Credentials admin() {
        return admin;
    }

    /** A user with these privileges on this database only, e.g. "SELECT". */
    public Credentials createUser(String privileges) throws SQLException {
        String user = "ls_" + randomHex().substring(0, 10);
        String password = "pw-" + randomHex();
        try (Connection c = server()) {
            try (PreparedStatement ps = c.prepareStatement("CREATE USER '" + user + "'@'%' IDENTIFIED BY ?")) {
                ps.setString(1, password);
                ps.execute();
            }
            users.add(user);
            c.prepareStatement("GRANT " + privileges + " ON `" + name + "`.* TO '" + user + "'@'%'").execute();
        }
        return Credentials.of(user, password);
    }

    public void execute(String sql, Object... params) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    public long queryLong(String sql, Object... params) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet r = ps.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** Rows in one of LatScope's tables (the name is one of ours, never input). */
    public long count(String table) throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + table);
    }

    /** Rows of one session in one of LatScope's tables. */
    public long count(String table, String sessionId) throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + table + " WHERE " + (table.equals("sessions") ? "id" : "session_id")
                + " = ?", sessionId);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + hostPort + "/" + name, admin.user(), admin.password());
    }

    private Connection server() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + hostPort + "/?connectTimeout=5000", admin.user(), admin.password());
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = server()) {
            c.prepareStatement("DROP DATABASE IF EXISTS `" + name + "`").execute();
            for (String u : users) {
                c.prepareStatement("DROP USER IF EXISTS '" + u + "'@'%'").execute();
            }
        }
    }

    static String randomHex() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
