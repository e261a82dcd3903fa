package io.latscope.sync;

import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A saturating bulk TCP flow by iperf3 (Debian package {@code iperf3}) between two
 * namespaces of a {@link TestNetwork}: the server in one, the client in the other, both
 * bound to the given addresses, so nothing leaves the namespaces. {@link #close()}
 * stops both processes (only these two) and reports the throughput iperf3 measured.
 */
final class IperfFlow implements AutoCloseable {
    private final Process server;
    private final Process client;
    private final Path clientLog;
    private final String what;

    private IperfFlow(Process server, Process client, Path clientLog, String what) {
        this.server = server;
        this.client = client;
        this.clientLog = clientLog;
        this.what = what;
    }

    /** The iperf3 binary, or an AssertionError saying what to install (tests never skip silently). */
    static String binary() {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
            Path p = Path.of(dir, "iperf3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("iperf3 is not installed: the sync-under-load tests need it (apt-get install iperf3)");
    }

    /**
     * Starts a flow from {@code fromNs} ({@code fromAddr}) to {@code toNs} ({@code toAddr})
     * lasting {@code duration}; returns once the client is connected and sending.
     */
    static IperfFlow start(TestNetwork net, String fromNs, String fromAddr, String toNs, String toAddr, int port,
                           Duration duration) {
        String iperf = binary();
        Process server = null;
        try {
            Path serverLog = Files.createTempFile("iperf3-server", ".log");
            Path clientLog = Files.createTempFile("iperf3-client", ".log");
            server = spawn(serverLog, "ip", "netns", "exec", net.nsName(toNs), iperf, "-s", "-1", "--forceflush", "-B", toAddr,
                    "-p", String.valueOf(port));
            awaitListening(serverLog, server);
            Process client = spawn(clientLog, "ip", "netns", "exec", net.nsName(fromNs), iperf, "-c", toAddr,
                    "-B", fromAddr, "-p", String.valueOf(port), "-t", String.valueOf(Math.max(1, duration.toSeconds())),
                    "-i", "1", "--forceflush");
            IperfFlow f = new IperfFlow(server, client, clientLog, fromNs + " -> " + toNs);
            f.awaitSending();
            return f;
        } catch (IOException e) {
            if (server != null) {
                server.destroyForcibly();
            }
            throw new AssertionError("starting iperf3: " + e.getMessage(), e);
        }
    }

    private static Process spawn(Path log, String... cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitListening(Path log, Process server) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains("Server listening")) {
                return;
            }
            if (!server.isAlive()) {
                throw new AssertionError("iperf3 server exited: " + Files.readString(log));
            }
            sleep(20);
        }
        server.destroyForcibly();
        throw new AssertionError("iperf3 server did not listen within 5 s: " + Files.readString(log));
    }

    private void awaitSending() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(clientLog).contains("connected")) {
                sleep(300); // past slow start
                return;
            }
            if (!client.isAlive()) {
                close();
                throw new AssertionError("iperf3 client exited: " + Files.readString(clientLog));
            }
            sleep(20);
        }
        close();
        throw new AssertionError("iperf3 client did not connect within 5 s: " + Files.readString(clientLog));
    }

    /** Per-second throughputs (Gbit/s) iperf3 printed so far. */
    List<Double> gbitsPerSecond() {
        List<Double> out = new ArrayList<>();
        try {
            Matcher m = Pattern.compile("sec\\s+[\\d.]+ [KMG]?Bytes\\s+([\\d.]+) ([KMG])bits/sec\\s*(\\d+)?\\s*[\\d.]* [KMG]?Bytes\\s*$",
                    Pattern.MULTILINE).matcher(Files.readString(clientLog, StandardCharsets.UTF_8));
            while (m.find()) {
                double v = Double.parseDouble(m.group(1));
                out.add(switch (m.group(2)) {
                    case "K" -> v / 1e6;
                    case "M" -> v / 1e3;
                    default -> v;
                });
            }
        } catch (IOException e) {
            // no log, no numbers
        }
        return out;
    }

    String log() {
        try {
            return Files.readString(clientLog);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        for (Process p : List.of(client, server)) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        for (Process p : List.of(client, server)) {
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "iperf3 " + what + " " + gbitsPerSecond() + " Gbit/s";
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
