package io.latscope.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time and wake-ups of this JVM's threads by kind (LatScope's drain and interval
 * threads, the JIT compilers, GC, the rest), from /proc/self/task: schedstat's nanoseconds
 * on CPU and status's context switches. Taken before and after a measured round.
 */
final class TaskCpu {
    static final String[] KINDS = {"drain", "interval", "JIT", "GC", "other"};

    private TaskCpu() {
    }

    static String kind(String comm) {
        if (comm.startsWith("latscope-drain")) {
            return "drain";
        }
        if (comm.startsWith("latscope-inter")) {
            return "interval";
        }
        if (comm.startsWith("C1 ") || comm.startsWith("C2 ")) {
            return "JIT";
        }
        if (comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
            return "GC";
        }
        return "other";
    }

    /** kind → {ns on CPU, voluntary context switches}, summed over live threads (exited threads are lost). */
    static Map<String, long[]> snapshot() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String k : KINDS) {
            m.put(k, new long[2]);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ds) {
                try {
                    String comm = Files.readString(t.resolve("comm")).strip();
                    long ns = Long.parseLong(Files.readString(t.resolve("schedstat")).split(" ")[0]);
                    long vcs = 0;
                    for (String l : Files.readAllLines(t.resolve("status"))) {
                        if (l.startsWith("voluntary_ctxt_switches:")) {
                            vcs = Long.parseLong(l.replaceAll("\\D", ""));
                        }
                    }
                    long[] a = m.get(kind(comm));
                    a[0] += ns;
                    a[1] += vcs;
                } catch (IOException | RuntimeException e) {
                    // the thread exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return m;
    }

    static Map<String, long[]> minus(Map<String, long[]> after, Map<String, long[]> before) {
        Map<String, long[]> d = new LinkedHashMap<>();
        after.forEach((k, a) -> {
            long[] b = before.getOrDefault(k, new long[2]);
            d.put(k, new long[] {Math.max(0, a[0] - b[0]), Math.max(0, a[1] - b[1])});
        });
        return d;
    }
}
