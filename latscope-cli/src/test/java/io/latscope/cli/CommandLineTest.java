package io.latscope.cli;

import io.latscope.report.testing.SampleRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The latscope command as a user runs it: a process of the launcher the build installs.
 * Every subcommand has --help; bad input is one line on stderr and a documented exit code,
 * with the stack trace only under --verbose.
 */
class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void everySubcommandHasHelp() throws Exception {
        for (String sub : List.of("", "run", "watch", "report", "compare", "doctor", "generate-completion")) {
            Latscope.Result r = sub.isEmpty() ? Latscope.run("--help") : Latscope.run(sub, "--help");
            assertThat(r.exit()).as(sub + " --help: " + r.err()).isZero();
            assertThat(r.out()).as(sub).startsWith("Usage: latscope" + (sub.isEmpty() ? "" : " " + sub));
            if (!sub.equals("generate-completion")) {
                assertThat(r.out()).as(sub).contains("Exit codes:", "3  configuration");
            }
        }
        assertThat(Latscope.run("--version").out()).startsWith("latscope ");
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() throws Exception {
        assertOneLine(Latscope.run("runn"), 2, "latscope: Unmatched argument at index 0: 'runn' (did you mean run?)");
        assertOneLine(Latscope.run("run", "x.yaml", "--duration", "5 parsecs"), 2,
                "latscope run: Invalid value for option '--duration': '5 parsecs' is not a duration");
        assertOneLine(Latscope.run("watch", "--ports", "http"), 2, "latscope watch: Invalid value for option '--ports'");
        assertOneLine(Latscope.run("report"), 2, "latscope report: Error: Missing required argument");
        assertOneLine(Latscope.run("watch", "--bogus"), 2, "latscope watch: Unknown option: '--bogus'");
        assertOneLine(Latscope.run(), 2, "latscope: give a subcommand");
        // values picocli parses but the session refuses are usage errors too, named by the builder
        assertOneLine(Latscope.run("watch", "--stride", "1000"), 2, "latscope watch: ");
        assertThat(Latscope.run("watch", "--stride", "1000").err()).contains("stride", "1000");
        assertOneLine(Latscope.run("watch", "--layers", "SOCKET,WIRE"), 2, "latscope watch: ");
        assertThat(Latscope.run("watch", "--layers", "SOCKET,WIRE").err()).contains("WIRE");
        assertOneLine(Latscope.run("watch", "--ports", "70000"), 2, "latscope watch: ");
    }

    /** Review finding: a second run into the same --out replaced the first run's files without a word. */
    @Test
    void anOutDirectoryHoldingARunIsRefusedNotOverwritten() throws Exception {
        Path run = dir.resolve("run-1");
        Files.createDirectories(run);
        Files.writeString(run.resolve("intervals.hlog"), "#earlier run\n");
        Files.writeString(run.resolve("spec.yaml"), "label: earlier\n");
        assertOneLine(Latscope.run("run", dir.resolve("any.yaml").toString(), "--out", run.toString()), 2,
                "latscope run: --out " + run + " already holds a run (spec.yaml, intervals.hlog); give another directory"
                        + " or remove that one");
        assertThat(Files.readString(run.resolve("intervals.hlog"))).isEqualTo("#earlier run\n");
        // an empty directory, or one with other files, is fine: the run fails later, on its missing CONF
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.writeString(other.resolve("notes.txt"), "mine\n");
        assertThat(Latscope.run("run", dir.resolve("any.yaml").toString(), "--out", other.toString()).exit()).isEqualTo(3);
    }

    @Test
    void configurationErrorsAreOneLineAndExitThree() throws Exception {
        assertOneLine(Latscope.run("run", dir.resolve("nope.yaml").toString()), 3,
                "latscope run: " + dir.resolve("nope.yaml") + ": no such file or directory");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "sampling:\n  stride: lots\n");
        assertOneLine(Latscope.run("run", bad.toString()), 3,
                "latscope run: " + bad + ":2:11: sampling.stride: 'lots' is not a whole number");
        Files.writeString(bad, "traffic:\n  ports: [5001]\n  namespace: [a]\n");
        assertOneLine(Latscope.run("run", bad.toString()), 3, "latscope run: " + bad + ":3:3: unknown key 'namespace'");
        Files.writeString(bad, "store:\n  url: jdbc:mysql://db/x\n  password: hunter2\n");
        Latscope.Result secret = Latscope.run("run", bad.toString());
        assertOneLine(secret, 3, "latscope run: " + bad + ":3:3: store.password: secrets are not read from YAML files");
        assertThat(secret.err()).contains("LATSCOPE_DB_PASSWORD").doesNotContain("hunter2");
        assertOneLine(Latscope.run("report", dir.toString()), 3, "latscope report: " + dir + " is not a LatScope run directory");

        Latscope.Result verbose = Latscope.run("run", "--verbose", bad.toString());
        assertThat(verbose.exit()).isEqualTo(3);
        assertThat(verbose.err()).contains("\tat io.latscope.config.");
    }

    @Test
    void reportAndCompareReadRunDirectories() throws Exception {
        SampleRuns.record(dir.resolve("a"), "a", 5, 1, 1.0);
        SampleRuns.record(dir.resolve("b"), "b", 5, 2, 1.5);
        Path html = dir.resolve("b.html");
        Latscope.Result r = Latscope.run("report", dir.resolve("b").toString(), "--html", html.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("END_TO_END@client->server", "data quality:");
        assertThat(html).content().contains("latscope-data", "echarts");
        Path cmp = dir.resolve("cmp.html");
        Latscope.Result c = Latscope.run("compare", dir.resolve("a").toString(), dir.resolve("b").toString(), "--html", cmp.toString());
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(c.out()).contains("rx.SOCKET@server", "p99");
        assertThat(cmp).content().contains("\"comparison\"");
    }

    @Test
    void doctorSaysWhichHookEachLayerWouldUse() throws Exception {
        Latscope.Result r = Latscope.run("doctor");
        assertThat(r.exit()).as(r.out() + r.err()).isZero(); // the test machines have what LatScope needs
        assertThat(r.out()).contains("kernel BTF", "tx.tcp", "sockops", "netfilter PRE_ROUTING", "tp_btf/tcp_probe",
                "Nothing is missing");
        Latscope.Result tcp = Latscope.run("doctor", "--layers", "TCP");
        assertThat(tcp.out()).contains("tx.tcp", "rx.tcp").doesNotContain("tx.sock ");
    }

    @Test
    void shellCompletionIsGenerated() throws Exception {
        Latscope.Result r = Latscope.run("generate-completion");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("complete -F", "latscope", "watch", "doctor");
    }

    private static void assertOneLine(Latscope.Result r, int exit, String start) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.errLines()).as("stderr").hasSize(1);
        assertThat(r.err()).startsWith(start).doesNotContain("Exception", "\tat ");
    }
}
