package io.latscope.bench;

import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code sockperf}: a TCP server in one namespace, ping-pong clients from another
 * (64-byte messages back to back, full round-trip times). {@link #close()} stops the server.
 */
final class Sockperf implements AutoCloseable {
    static final int PORT = 11111;
    private static final Pattern PCT = Pattern.compile("percentile (\\d+\\.\\d+) =\\s+([\\d.]+)");
    private static final Pattern VALID = Pattern.compile("\\[Valid Duration\\] RunTime=([\\d.]+) sec; SentMessages=(\\d+); ReceivedMessages=(\\d+)");

    private final String bin;
    private final TestNetwork net;
    private final String clientNs;
    private final String serverAddr;
    private final Process server;

    /** Round-trip percentiles in µs, and the exchanges measured (after sockperf's 400 ms warm-up). */
    record Result(double p50, double p99, double p999, long exchanges, double seconds) {
    }

    Sockperf(TestNetwork net, String serverNs, String serverAddr, String clientNs) {
        this.bin = Tools.require("sockperf", "sockperf");
        this.net = net;
        this.clientNs = clientNs;
        this.serverAddr = serverAddr;
        try {
            Path log = Files.createTempFile("latscope-sockperf-server", ".log");
            this.server = new ProcessBuilder(pinned("ip", "netns", "exec", net.nsName(serverNs), bin, "server", "--tcp", "-i",
                    serverAddr, "-p", String.valueOf(PORT))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(log).contains("to block on socket")) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    Tools.stop(server);
                    throw new IllegalStateException("sockperf server did not start: " + Files.readString(log));
                }
                LockSupport.parkNanos(20_000_000L);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The command under {@code taskset -c CPUS} when {@value #CPUS_PROPERTY} names CPUs: client
     * and server on one CPU exchange without waking a halted vCPU, whose wake-up dominates a
     * ping-pong's round trip (and its spread) on a VM.
     */
    static List<String> pinned(String... cmd) {
        String cpus = System.getProperty(CPUS_PROPERTY, "");
        List<String> out = new java.util.ArrayList<>();
        if (!cpus.isBlank()) {
            out.addAll(List.of("taskset", "-c", cpus));
        }
        out.addAll(List.of(cmd));
        return out;
    }

    /** System property: CPUs (taskset's list) for the sockperf client and server. */
    static final String CPUS_PROPERTY = "bench.sockperfCpus";

    /** One ping-pong run of {@code seconds}; returns when the client has exited. */
    Result pingPong(int seconds) {
        try {
            Process c = new ProcessBuilder(pinned("ip", "netns", "exec", net.nsName(clientNs), bin, "ping-pong", "--tcp", "-i",
                    serverAddr, "-p", String.valueOf(PORT), "-m", "64", "-t", String.valueOf(seconds), "--full-rtt"))
                    .redirectErrorStream(true).start();
            c.getOutputStream().close();
            String out = new String(c.getInputStream().readAllBytes());
            if (!c.waitFor(seconds + 10L, TimeUnit.SECONDS) || c.exitValue() != 0) {
                Tools.stop(c);
                throw new IllegalStateException("sockperf ping-pong failed: " + out);
            }
            double p50 = -1, p99 = -1, p999 = -1;
            Matcher m = PCT.matcher(out);
            while (m.find()) {
                switch (m.group(1)) {
                    case "50.000" -> p50 = Double.parseDouble(m.group(2));
                    case "99.000" -> p99 = Double.parseDouble(m.group(2));
                    case "99.900" -> p999 = Double.parseDouble(m.group(2));
                    default -> { }
                }
            }
            Matcher v = VALID.matcher(out);
            if (p999 < 0 || !v.find()) {
                throw new IllegalStateException("cannot read sockperf's percentiles: " + out);
            }
            return new Result(p50, p99, p999, Long.parseLong(v.group(3)), Double.parseDouble(v.group(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Tools.stop(server);
    }
}
