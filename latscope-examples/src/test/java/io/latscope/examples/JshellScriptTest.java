package io.latscope.examples;

import io.latscope.testbed.KernelTest;
import io.latscope.testbed.Cmd;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/jshell with latscope.jsh, fed a session on stdin as a person would type it: the
 * table it prints has every hop, and the .hlog it writes has every hop's histogram.
 */
@KernelTest
class JshellScriptTest {
    static final List<String> HOPS = List.of("tx.SOCKET", "tx.TCP", "tx.IP", "tx.DEV", "VETH", "rx.DEV", "rx.IP", "rx.TCP",
            "rx.SOCKET", "END_TO_END");

    @Test
    void aSessionInTwoLinesPrintsATableWithEveryHop(@TempDir Path dir) throws Exception {
        Path hlog = dir.resolve("run.hlog");
        String input = String.join("\n",
                "var net = twoHosts()",
                "var s = LatScope.builder().namespaces(client(net), server(net)).ports(47521).stride(1024).start()",
                "exchange(net, 47521, 1000)",
                "s.close()",
                "println(s.snapshot())",
                "s.snapshot().hop(TX_TCP)",
                "distributions(s.snapshot())",
                "s.snapshot().writeHlog(Path.of(\"" + hlog + "\"))",
                "println(\"network \" + net.id())",
                "net.close()",
                "/exit", "");
        Result r = jshell(input);
        assertThat(r.exit()).as(r.output()).isZero();
        String out = r.output();
        assertThat(out).as(out).doesNotContain("Error:", "Exception")
                .containsPattern("hop +count +p50 +p90 +p99 +max +mean")
                .containsPattern("data quality: 1[45]\\d\\d markers seen, 1[45]\\d\\d complete") // 1000 × (512 B + 1 KiB), one marker per KiB: 1500
                .containsPattern("tx\\.TCP: n=\\d+ p50=[0-9.]+ [nµm]s p99=")     // HopStats.toString
                .contains("Value     Percentile TotalCount 1/(1-Percentile)"); // HopStats.printDistribution
        for (String hop : HOPS) {
            // request and response each cross every hop: in the client's and the server's namespace
            assertThat(out).as(hop + " in\n" + out).containsPattern("(?m)^" + Pattern.quote(hop) + "(@\\S+)? +\\d+ ");
        }

        List<String> tags = new ArrayList<>();
        HistogramLogReader reader = new HistogramLogReader(hlog.toFile());
        for (EncodableHistogram h; (h = reader.nextIntervalHistogram()) != null; ) {
            if (h.getTag() != null) { // the untagged entry is END_TO_END merged, for tools that read untagged only
                tags.add(h.getTag().replaceAll("@.*", ""));
            }
        }
        assertThat(tags).containsAll(HOPS);

        Matcher m = Pattern.compile("network (ls[0-9a-f]+-\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        assertThat(Cmd.run("ip", "netns", "list")).as("namespaces of the jshell session").doesNotContain(m.group(1) + "-");
    }

    record Result(int exit, String output) {
    }

    /** Runs scripts/jshell on this test's class path (no build), with {@code input} on stdin. */
    static Result jshell(String input) throws IOException, InterruptedException {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("scripts/jshell");
        ProcessBuilder pb = new ProcessBuilder(script.toString()).redirectErrorStream(true);
        pb.environment().put("LATSCOPE_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("jshell did not finish:\n" + new String(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
