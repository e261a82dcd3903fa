package io.latscope.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code perf record -a -g} over a measured part of a round, when {@code -Dbench.perfDir=DIR}
 * is set (Debian package {@code linux-perf}): the evidence behind a CPU figure, e.g. which
 * kernel functions and BPF programs a session's rounds spend more samples in than the floor's.
 * Each recording is {@code DIR/NAME-N.data}. Without the property, nothing runs.
 */
final class PerfRecording implements AutoCloseable {
    private static final String DIR = System.getProperty("bench.perfDir");
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final Process perf;
    private final Path log;

    private PerfRecording(Process perf, Path log) {
        this.perf = perf;
        this.log = log;
    }

    /**
     * Starts recording all CPUs one second from now (the rounds' omitted first second) for
     * {@code seconds}, or does nothing without {@code bench.perfDir}.
     */
    static PerfRecording start(String name, int seconds) {
        if (DIR == null) {
            return new PerfRecording(null, null);
        }
        String perf = Tools.require("perf", "linux-perf");
        try {
            Path dir = Files.createDirectories(Path.of(DIR));
            String base = name + "-" + SEQ.incrementAndGet();
            Path out = dir.resolve(base + ".data");
            Path log = dir.resolve(base + ".log");
            Process p = new ProcessBuilder(perf, "record", "-a", "-g", "-F", "999", "-D", "1000", "-o", out.toString(),
                    "--", "sleep", String.valueOf(seconds + 1))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new PerfRecording(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (perf == null) {
            return;
        }
        try {
            if (!perf.waitFor(30, TimeUnit.SECONDS)) {
                perf.destroy();
                perf.waitFor(10, TimeUnit.SECONDS);
            }
            if (!perf.isAlive() && perf.exitValue() != 0) {
                System.err.println("perf record failed (exit " + perf.exitValue() + "): see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            perf.destroy();
        }
    }
}
