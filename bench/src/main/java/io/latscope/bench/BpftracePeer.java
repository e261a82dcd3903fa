package io.latscope.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bpftrace peer ({@code bench/latscope-peer.bt}, Debian {@code bpftrace}) for one TCP
 * port: started and attached by the constructor, stopped by {@link #close()} with SIGINT (it
 * prints its histograms then), as its users run it.
 */
final class BpftracePeer implements AutoCloseable {
    private static final Pattern EXCHANGES = Pattern.compile("@exchanges: (\\d+)");
    private final Process p;
    private final Path log;
    /** Nanoseconds from the process's start until its BEGIN probe ran (all probes attached). */
    final long attachNanos;
    long exitNanos;
    long exchanges;

    BpftracePeer(int port) {
        String bin = Tools.require("bpftrace", "bpftrace");
        Path script = Path.of("bench/latscope-peer.bt");
        if (!Files.isReadable(script)) {
            throw new IllegalStateException("run from the repository's root: " + script.toAbsolutePath() + " not found");
        }
        try {
            log = Files.createTempFile("latscope-peer", ".log");
            long t0 = System.nanoTime();
            p = new ProcessBuilder(bin, script.toString(), String.valueOf(port)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            long deadline = t0 + 30_000_000_000L;
            while (!Files.readString(log).contains("peer attached")) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    Tools.stop(p);
                    throw new IllegalStateException("bpftrace did not attach: " + Files.readString(log));
                }
                LockSupport.parkNanos(2_000_000L);
            }
            attachNanos = System.nanoTime() - t0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return p.pid();
    }

    @Override
    public void close() {
        long t0 = System.nanoTime();
        try {
            new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                Tools.stop(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exitNanos = System.nanoTime() - t0;
        Matcher m = EXCHANGES.matcher(Tools.read(log));
        exchanges = m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
