package io.latscope.bench;

import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A saturating bulk TCP flow by iperf3 (Debian package {@code iperf3}) between two namespaces of
 * a test network, both ends bound to their addresses; the condition issue 19 measured sync under.
 * {@link #close()} stops both processes.
 */
record Iperf(Process server, Process client) implements AutoCloseable {

    /** Starts a flow {@code from} → {@code to} lasting {@code seconds}; returns once the client sends. */
    static Iperf start(TestNetwork net, String from, String fromAddr, String to, String toAddr, int seconds) {
        String iperf = List.of("/usr/bin/iperf3", "/usr/local/bin/iperf3").stream().filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst().orElseThrow(() -> new IllegalStateException("iperf3 is not installed: apt-get install iperf3"));
        try {
            Path log = Files.createTempFile("latscope-iperf3", ".log");
            Process server = new ProcessBuilder("ip", "netns", "exec", net.nsName(to), iperf, "-s", "-1", "-B", toAddr,
                    "-p", "5301").redirectErrorStream(true).redirectOutput(Path.of(log + ".server").toFile()).start();
            LockSupport.parkNanos(300_000_000L);
            Process client = new ProcessBuilder("ip", "netns", "exec", net.nsName(from), iperf, "-c", toAddr, "-B", fromAddr,
                    "-p", "5301", "-t", String.valueOf(seconds), "--forceflush").redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Iperf f = new Iperf(server, client);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(log).contains("connected")) {
                if (System.nanoTime() > deadline || !client.isAlive()) {
                    f.close();
                    throw new IllegalStateException("iperf3 did not connect: " + Files.readString(log));
                }
                LockSupport.parkNanos(20_000_000L);
            }
            LockSupport.parkNanos(500_000_000L); // past slow start
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Tools.stop(client);
        Tools.stop(server);
    }
}
