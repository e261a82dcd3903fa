package io.latscope.bench;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One-shot start-up and memory of a session (issue 17): a fresh JVM per round runs
 * {@link Child} (a session with default settings on one port in this namespace, started,
 * held 1 s, closed), with and without a JDK 25 AOT cache (JEP 483/514: {@code
 * -XX:AOTCacheOutput} in a training run of the same child, {@code -XX:AOTCache} after),
 * rounds interleaved, and without the feature answers of earlier processes (the first session
 * of a boot). Reported: launch → main, {@code start()} (returns with every probe
 * attached), launch → attached, {@code close()}, the process's resident set while the session
 * runs and the BPF maps it holds (memlock of every map open in it, /proc/self/fdinfo).
 * Options: {@code --rounds N}.
 */
public final class StartupBench {
    private StartupBench() {
    }

    private static final Pattern LINE = Pattern.compile("main=([\\d.]+) start=([\\d.]+) close=([\\d.]+) rss=(\\d+) maps=(\\d+) nmaps=(\\d+)");

    /** The measured child: prints one line of figures. */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] args) throws Exception {
            double main = ManagementFactory.getRuntimeMXBean().getUptime(); // ms since the JVM started
            long t0 = System.nanoTime();
            LatScopeSession s = LatScope.builder().ports(5999).start();
            double start = (System.nanoTime() - t0) / 1e6;
            Thread.sleep(1000);
            long rss = Tools.rssBytes(ProcessHandle.current().pid());
            long[] maps = mapMemory(ProcessHandle.current().pid());
            long t1 = System.nanoTime();
            s.close();
            double close = (System.nanoTime() - t1) / 1e6;
            System.out.println(Bench.fmt("main=%.1f start=%.1f close=%.1f rss=%d maps=%d nmaps=%d", main, start, close, rss, maps[0], maps[1]));
        }
    }

    /** {memlock bytes summed, count} of the BPF maps open in {@code pid}, from /proc/PID/fdinfo (unique map ids). */
    static long[] mapMemory(long pid) {
        Map<String, Long> maps = new LinkedHashMap<>();
        try (var ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path fd : ds) {
                String id = null;
                long memlock = -1;
                try {
                    for (String l : Files.readAllLines(fd)) {
                        if (l.startsWith("map_id:")) {
                            id = l.substring(7).strip();
                        } else if (l.startsWith("memlock:")) {
                            memlock = Long.parseLong(l.substring(8).strip());
                        }
                    }
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (id != null && memlock >= 0) {
                    maps.put(id, memlock);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new long[] {maps.values().stream().mapToLong(Long::longValue).sum(), maps.size()};
    }

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--rounds")) {
                rounds = Integer.parseInt(args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + args[i] + "; options: --rounds N");
            }
        }
        Path aot = Files.createTempFile("latscope-startup", ".aot");
        Files.delete(aot);
        run(List.of("-XX:AOTCacheOutput=" + aot)); // training run
        if (!Files.exists(aot)) {
            throw new IllegalStateException("the JVM wrote no AOT cache to " + aot);
        }
        Map<String, List<String>> configs = new LinkedHashMap<>();
        configs.put("default JVM options", List.of());
        configs.put("AOT cache (-XX:AOTCache, trained on the same start/close)", List.of("-XX:AOTCache=" + aot));
        // the first session of a boot: no feature answers kept from earlier processes
        configs.put("default JVM options, feature answers not kept (-Dlatscope.featureCache=off)",
                List.of("-Dlatscope.featureCache=off"));
        Map<String, List<double[]>> res = new LinkedHashMap<>();
        configs.keySet().forEach(k -> res.put(k, new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (var e : configs.entrySet()) {
                res.get(e.getKey()).add(run(e.getValue()));
            }
        }
        Files.deleteIfExists(aot);
        Bench.header("Start-up and memory of a session in a fresh JVM (issue 17)");
        System.out.println(rounds + " interleaved rounds, a fresh JVM each (default settings, one port); median (min–max). "
                + "launch → main: the JVM's uptime when main began; launch → attached: that plus start(), which returns with every"
                + " probe attached.");
        System.out.println();
        System.out.println("| JVM | launch → main (ms) | start() (ms) | launch → attached (ms) | close() (ms) | RSS (MiB) | BPF maps held (MiB, count) |");
        System.out.println("|---|---|---|---|---|---|---|");
        res.forEach((k, rs) -> System.out.println(Bench.fmt("| %s | %s | %s | %s | %s | %s | %s, %.0f |", k, mr(rs, 0, "%.0f"),
                mr(rs, 1, "%.0f"), mr(rs, 6, "%.0f"), mr(rs, 2, "%.1f"), mr(rs, 3, "%.0f"), mr(rs, 4, "%.1f"),
                Bench.median(rs.stream().mapToDouble(v -> v[5]).toArray()))));
    }

    static String mr(List<double[]> rs, int i, String f) {
        double[] v = rs.stream().mapToDouble(x -> x[i]).toArray();
        return Bench.fmt(f + " (" + f + "–" + f + ")", Bench.median(v), java.util.Arrays.stream(v).min().orElse(0),
                java.util.Arrays.stream(v).max().orElse(0));
    }

    /**
     * The class path with bench/target/classes replaced by the bench's jar: an AOT cache
     * takes jars only ("Cannot have non-empty directory in paths").
     */
    static String jarsOnly(String classPath) {
        List<String> out = new ArrayList<>();
        for (String e : classPath.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                try (var jars = Files.list(p.getParent())) {
                    Path jar = jars.filter(j -> j.getFileName().toString().matches("latscope-bench-.*\\.jar")).findFirst()
                            .orElseThrow(() -> new IllegalStateException("no bench jar beside " + p + ": build with mvn package -pl bench"));
                    out.add(jar.toString());
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            } else {
                out.add(e);
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    /** {main, start, close, rss MiB, maps MiB, maps, launch → attached}. */
    static double[] run(List<String> jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(jarsOnly(System.getProperty("java.class.path")));
        cmd.add(Child.class.getName());
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("the child failed: " + out);
            }
            Matcher m = LINE.matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("no figures from the child: " + out);
            }
            double main = Double.parseDouble(m.group(1));
            double start = Double.parseDouble(m.group(2));
            // launch → attached: the child's uptime at main is measured from the JVM's own start; add start()
            return new double[] {main, start, Double.parseDouble(m.group(3)), Long.parseLong(m.group(4)) / 1048576.0,
                    Long.parseLong(m.group(5)) / 1048576.0, Long.parseLong(m.group(6)), main + start};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
