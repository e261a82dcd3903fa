package io.latscope.cli;

import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;
import org.HdrHistogram.HistogramLogProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * latscope run and latscope watch on the real kernel, as processes: two namespaces joined by
 * a veth, request/response traffic while the command measures.
 */
@KernelTest
class MeasureCommandsTest {
    @TempDir
    Path dir;

    @Test
    void runMeasuresAConfigurationAndWritesItsRunDirectory() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs client = net.namespace("client");
            NetNs server = net.namespace("server");
            net.veth("client", "10.98.0.1/24", "server", "10.98.0.2/24");
            Path conf = dir.resolve("latscope.yaml");
            Files.writeString(conf, """
                    label: cli-run
                    layers: [SOCKET, TCP, IP, DEV, VETH]
                    traffic:
                      ports: [5011]
                      namespaces: [%s, %s]
                    sampling:
                      stride: 4096
                    interval: 500ms
                    """.formatted(client.name(), server.name()));
            Path out = dir.resolve("run");
            // 8 s: JVM start and attaching take 1-3 s here, the traffic below about 1 s
            Process p = Latscope.start(Map.of("LATSCOPE_PROGRESS", "plain"), "run", conf.toString(), "--duration", "8s",
                    "--out", out.toString());
            CompletableFuture<String> stdout = Latscope.drain(p.getInputStream());
            List<String> err = lines(p, "measuring");
            TcpTraffic.requestResponse(client, server, "10.98.0.2", 5011, 512, 1024, 3000);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("run ends after its duration").isTrue();
            String report = stdout.get(10, TimeUnit.SECONDS);
            assertThat(p.exitValue()).as(String.join("\n", err)).isZero();
            assertThat(report).contains("END_TO_END@", "tx.TCP", "data quality:");
            assertThat(err).anyMatch(l -> l.startsWith("latscope: measuring: hosts ready 1/1"))
                    .anyMatch(l -> l.matches("latscope: measuring: .* s elapsed, \\d+ s remaining, \\d+ markers/s, \\d+ markers, \\d+ drops"))
                    .anyMatch(l -> l.startsWith("latscope: wrote "));
            for (String f : List.of("report.html", "report.txt", "intervals.hlog", "intervals.yaml", "spec.yaml")) {
                assertThat(out.resolve(f)).as(f).isNotEmptyFile();
            }
            assertThat(out.resolve("intervals.hlog")).content().contains("#spec (YAML):", "#  ports:");
            // HdrHistogram's own processor reads the interval log with a merged and a scoped tag
            for (String tag : List.of("tx.TCP", "tx.TCP@" + client.name(), "END_TO_END")) {
                Path hgrm = dir.resolve("p-" + tag.replaceAll("[^A-Za-z0-9.]", "_"));
                new HistogramLogProcessor(new String[] {"-i", out.resolve("intervals.hlog").toString(), "-o", hgrm.toString(),
                        "-tag", tag, "-outputValueUnitRatio", "1"}).run();
                assertThat(Path.of(hgrm + ".hgrm")).as(tag).content().contains("Total count");
            }
            Latscope.Result again = Latscope.run("report", out.toString());
            assertThat(again.exit()).isZero();
            assertThat(again.out()).contains("END_TO_END@");
        }
    }

    @Test
    void watchShowsEachIntervalAndEndsCleanlyOnInterrupt() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs client = net.namespace("client");
            NetNs server = net.namespace("server");
            net.veth("client", "10.97.0.1/24", "server", "10.97.0.2/24");
            Path out = dir.resolve("watch");
            Process p = Latscope.start(Map.of("LATSCOPE_PROGRESS", "plain"), "watch", "--ns", client.name() + "," + server.name(),
                    "--ports", "5012", "--stride", "4096", "--interval", "500ms", "--out", out.toString());
            CompletableFuture<String> stdout = Latscope.drain(p.getInputStream());
            List<String> err = lines(p, "measuring");
            TcpTraffic.requestResponse(client, server, "10.97.0.2", 5012, 512, 1024, 3000);
            Thread.sleep(1500); // at least two more intervals
            // Ctrl-C: SIGINT to the JVM (Process.destroy would close the pipes read here)
            // (a test run from a background job inherits SIGINT ignored, and so does the JVM under
            // test, which then never sees Ctrl-C: SIGTERM takes the same path through the CLI)
            String signal = sigintIgnored() ? "-TERM" : "-INT";
            assertThat(new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor()).isZero();
            if (!p.waitFor(50, TimeUnit.SECONDS)) { // (the CLI gives up on its final report 60 s after Ctrl-C)
                String threads = threadDump(p.pid());
                p.destroyForcibly();
                throw new AssertionError("latscope watch did not end within 50 s of SIGINT; stderr:\n"
                        + String.join("\n", err) + "\nthreads:\n" + threads);
            }
            String shown = stdout.get(10, TimeUnit.SECONDS);
            assertThat(p.exitValue()).as(String.join("\n", err)).isZero();
            assertThat(shown).contains("latscope watch: ", "hop ", "tx.TCP")
                    .contains("LatScope session"); // the final report after the live tables
            assertThat(out.resolve("report.html")).isNotEmptyFile();
        }
    }

    /** Whether this process ignores SIGINT (its children start with it ignored too). */
    private static boolean sigintIgnored() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (2 - 1))) != 0; // SIGINT = 2
            }
        }
        return false;
    }

    /** The JVM's threads, as jcmd prints them (for a process that does not end). */
    private static String threadDump(long pid) {
        try {
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
            String s = new String(j.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            j.waitFor(20, TimeUnit.SECONDS);
            return s;
        } catch (Exception e) {
            return "(jcmd failed: " + e + ")";
        }
    }

    /** Collects the process's stderr lines; returns once one contains {@code waitFor} (or the process ended). */
    private static List<String> lines(Process p, String waitFor) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> seen = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                    if (l.contains(waitFor)) {
                        seen.complete(null);
                    }
                }
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
            seen.complete(null);
        });
        seen.get(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS);
        return lines;
    }
}
