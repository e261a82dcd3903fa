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

    private PerfRecording(Process perf) {
        this.perf = perf;
    }

    /**
     * Starts recording all CPUs one second from now (the rounds' omitted first second) for
     * {@code seconds}, or does nothing without {@code bench.perfDir}.
     */
    static PerfRecording start(String name, int seconds) {
        if (DIR == null) {
            return new PerfRecording(null);
        }
        String perf = Tools.require("perf", "linux-perf");
        try {
            Path dir = Files.createDirectories(Path.of(DIR));
            Path out = dir.resolve(name + "-" + SEQ.incrementAndGet() + ".data");
            Process p = new ProcessBuilder(perf, "record", "-a", "-g", "-F", "999", "-D", "1000", "-o", out.toString(),
                    "--", "sleep", String.valueOf(seconds + 1))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return new PerfRecording(p);
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            perf.destroy();
        }
    }
}
