package io.latscope.testbed;

import io.latscope.Credentials;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * A throwaway MariaDB server of the test's own (own data directory, port and socket), so a
 * test can stop and start a database without touching the machine's shared one. Root has
 * no password and listens on 127.0.0.1 only.
 */
public final class OwnMariaDb implements AutoCloseable {
    private static final Path MARIADBD = Path.of("/usr/sbin/mariadbd");
    private static final Path INSTALL_DB = Path.of("/usr/bin/mariadb-install-db");

    private final Path dir;
    private final int port;
    private Process server;
    private final Thread killOnExit;

    private OwnMariaDb(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        // If the test JVM dies before close(), do not leave our server behind.
        this.killOnExit = new Thread(() -> {
            if (server != null) {
                server.destroyForcibly();
            }
        });
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    public static OwnMariaDb start() throws IOException, InterruptedException {
        if (!Files.isExecutable(MARIADBD) || !Files.isExecutable(INSTALL_DB)) {
            fail(MARIADBD + " or " + INSTALL_DB + " is missing; install MariaDB with 'apt-get install mariadb-server'"
                    + " (or 'sudo scripts/bootstrap')");
        }
        Path dir = Files.createTempDirectory("latscope-mariadb-");
        OwnMariaDb db = new OwnMariaDb(dir, freePort());
        db.run(List.of(INSTALL_DB.toString(), "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=root",
                "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"), dir.resolve("install.log"));
        db.startServer();
        return db;
    }

    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public Credentials root() {
        return Credentials.of("root", "");
    }

    /**
     * Creates a database on this server.
     *
     * @param name its name (letters, digits, underscores)
     * @return its JDBC URL
     */
    public String createDatabase(String name) {
        if (!name.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("database name " + name);
        }
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + hostPort() + "/?connectTimeout=2000", "root", "")) {
            c.createStatement().execute("CREATE DATABASE IF NOT EXISTS `" + name + "` CHARACTER SET utf8mb4");
        } catch (SQLException e) {
            fail("cannot create database " + name + " on the own MariaDB: " + e.getMessage());
        }
        return "jdbc:mysql://" + hostPort() + "/" + name;
    }

    /** Starts the server on the same data directory and port, and waits until it answers. */
    public void startServer() throws IOException, InterruptedException {
        server = new ProcessBuilder(MARIADBD.toString(), "--no-defaults", "--datadir=" + dir.resolve("data"),
                "--port=" + port, "--socket=" + dir.resolve("mysqld.sock"), "--bind-address=127.0.0.1", "--user=root",
                "--pid-file=" + dir.resolve("mysqld.pid"), "--skip-name-resolve", "--innodb-buffer-pool-size=32M",
                "--max-connections=50")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + hostPort() + "/?connectTimeout=1000", "root", "")) {
                return;
            } catch (SQLException e) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    fail("own MariaDB did not start: " + e.getMessage() + "; log:\n" + Files.readString(dir.resolve("server.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    /** Kills the server at once (SIGKILL), as a crash or a pulled cable would: no goodbye to clients. */
    public void kill() throws InterruptedException {
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (server != null) {
            kill();
        }
        Runtime.getRuntime().removeShutdownHook(killOnExit);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void run(List<String> command, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " failed; log:\n" + Files.readString(log));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
