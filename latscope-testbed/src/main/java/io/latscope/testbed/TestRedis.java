package io.latscope.testbed;

import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis server of the test's own (the machine's Redis listens on loopback only, which
 * network namespaces cannot reach, and a test must be free to stop and restart it).
 * Nothing is persisted: a restart loses every key, as a crash would.
 */
public final class TestRedis implements AutoCloseable {
    private final String bind;
    private final int port;
    private final String password;
    private final Path dir;
    private Process process;

    private TestRedis(String bind, int port, String password) throws IOException {
        this.bind = bind;
        this.port = port;
        this.password = password;
        this.dir = Files.createTempDirectory("latscope-redis");
    }

    /** Starts redis-server on {@code bind:port}, with a password unless it is null. */
    public static TestRedis start(String bind, int port, String password) {
        try {
            TestRedis r = new TestRedis(bind, port, password);
            r.startProcess();
            return r;
        } catch (IOException e) {
            throw new LatScopeException("cannot start redis-server (apt-get install redis-server): " + e.getMessage(), e);
        }
    }

    public String url() {
        return "redis://" + bind + ":" + port + "/0";
    }

    public int port() {
        return port;
    }

    /** The password clients need (null when none). */
    public String password() {
        return password;
    }

    private void startProcess() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--bind", bind, "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        if (password != null) {
            cmd.addAll(List.of("--requirepass", password));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(bind, port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
                }
                sleep(50);
            }
        }
        throw new IOException("redis-server did not listen on " + bind + ":" + port + " within 10 s");
    }

    /** Kills the server (SIGKILL, like a crash). */
    public void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts it again on the same address, empty. */
    public void restart() {
        stop();
        try {
            startProcess();
        } catch (IOException e) {
            throw new LatScopeException("restarting redis-server: " + e.getMessage(), e);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        stop();
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp files only
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
