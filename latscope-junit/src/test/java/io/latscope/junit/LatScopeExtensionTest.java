package io.latscope.junit;

import io.latscope.Durations;
import io.latscope.HopStats;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.testbed.KernelTest;
import io.latscope.error.ConfigurationException;
import io.latscope.testbed.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.latscope.Hop.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The extension over real traffic between namespaces, driven through JUnit's EngineTestKit. */
@KernelTest
class LatScopeExtensionTest {

    @Test
    void aBudgetTheTrafficMeetsPassesAndOneItMissesFailsNamingHopPercentileObservedBudgetAndSamples() {
        ExtensionExamples.PerTestSessions.SEEN.clear();
        EngineExecutionResults r = Runs.run(ExtensionExamples.PerTestSessions.class);

        r.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        List<LatScopeSession> seen = ExtensionExamples.PerTestSessions.SEEN;
        assertThat(seen).hasSize(2).doesNotHaveDuplicates(); // one session per test
        LatencyReport met = ExtensionExamples.finalReport(seen.get(0));
        LatencyReport missed = ExtensionExamples.finalReport(seen.get(1));
        assertThat(met.hop(END_TO_END).count()).isBetween(250L, 300L);

        Throwable t = Runs.failure(r, "missesABudget");
        HopStats e2e = missed.hop(END_TO_END);
        assertThat(t).isInstanceOf(AssertionFailedError.class).hasMessageStartingWith("latency budget missed in missesABudget(): "
                + "END_TO_END p50 was " + Durations.format(e2e.percentileNanos(50)) + ", over the budget of 500 ns ("
                + e2e.count() + " samples)");
        assertThat(t.getMessage()).as("the report comes along").contains("measured during the test:", "tx.DEV", "rx.SOCKET");
        AssertionFailedError f = (AssertionFailedError) t;
        assertThat(f.getExpected().getStringRepresentation()).isEqualTo("<= 500 ns");
        assertThat(f.getActual().getStringRepresentation()).isEqualTo(Durations.format(e2e.percentileNanos(50)));
        assertThat(Runs.reports(r)).hasSize(2).allSatisfy(table -> assertThat(table).contains("END_TO_END", "tx.TCP"));
    }

    @Test
    void aStaticSpecGivesOneSessionPerClassAndEachTestItsOwnShareOfIt() {
        ExtensionExamples.ClassSession.SESSION_IDS.clear();
        EngineExecutionResults r = Runs.run(ExtensionExamples.ClassSession.class);

        r.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(ExtensionExamples.ClassSession.SESSION_IDS).hasSize(2).containsOnly(ExtensionExamples.ClassSession.session.id());
        assertThat(ExtensionExamples.ClassSession.session.isClosed()).as("closed after the class").isTrue();
        List<String> reports = Runs.reports(r);
        assertThat(reports).hasSize(2);
        // each test's report counts its own messages only, not the session's running total
        List<Long> counts = new ArrayList<>();
        for (String table : reports) {
            String row = table.lines().filter(l -> l.startsWith("END_TO_END")).findFirst().orElseThrow(() -> new AssertionError(table));
            counts.add(Long.parseLong(row.split("\\s+")[1]));
        }
        assertThat(counts).as("END_TO_END markers of the two tests, in\n%s", reports).satisfiesExactlyInAnyOrder(
                n -> assertThat(n).isBetween(180L, 200L), n -> assertThat(n).isBetween(360L, 400L));
        long total = ExtensionExamples.ClassSession.session.snapshot().hop(END_TO_END).count();
        assertThat(counts.get(0) + counts.get(1)).isLessThanOrEqualTo(total);
    }

    @Test
    void misuseIsAClearConfigurationError() {
        assertThat(Runs.failure(Runs.run(ExtensionExamples.UnknownHop.class), "test"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("@LatencyBudget(hop = \"tx.FOO\") on UnknownHop.test(): unknown hop 'tx.FOO'; hops are tx.SOCKET,"
                        + " tx.TCP, tx.IP, tx.DEV, VETH, FORWARD, NETWORK, VIRT, rx.DEV, rx.IP, rx.TCP, rx.SOCKET, END_TO_END"
                        + " (optionally @scope)");
        assertThat(Runs.failure(Runs.run(ExtensionExamples.BadDuration.class), "test"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("invalid duration 'fast'");
        assertThat(Runs.failure(Runs.run(ExtensionExamples.WrongFieldType.class), null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("@Session field WrongFieldType.spec has type java.lang.String; a @Session field is"
                        + " either a io.latscope.SessionSpec (what to measure: the extension starts it) or an"
                        + " io.latscope.LatScopeSession");
        assertThat(Runs.failure(Runs.run(ExtensionExamples.TwoSpecs.class), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("has 2 instance @Session specs");
        assertThat(Runs.failure(Runs.run(ExtensionExamples.NullSpec.class), "test"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("@Session field NullSpec.spec is null when the session starts (after @BeforeEach methods)");
        for (Class<?> c : List.of(ExtensionExamples.BudgetWithoutSession.class, ExtensionExamples.BudgetWithoutExtension.class)) {
            assertThat(Runs.failure(Runs.run(c), "test")).as(c.getSimpleName())
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("has latency budgets but no session measures it");
        }
    }

    @Test
    void aBudgetOnAHopTheSessionDidNotMeasureFails() {
        Throwable t = Runs.failure(Runs.run(ExtensionExamples.HopNotMeasured.class), "test");
        assertThat(t).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("tx.IP p99 cannot be judged: the session does not stamp the IP layer"
                        + " (its layers: [SOCKET, TCP]); measured: []")
                .hasMessageContaining("budget of 1.000 s not met: ");
    }

    @Test
    void tooFewSamplesFailWithTheDataQualityAndTheStrideThatWouldDo() {
        Throwable t = Runs.failure(Runs.run(ExtensionExamples.TooFewExchangesForTheStride.class), "tenExchanges");
        assertThat(t).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("at stride 262144 B about 0 markers")
                .hasMessageContaining("a stride of ");
        // The 15 KB of the example hold a marker byte in about 6 % of runs (the initial sequence numbers
        // are random): the report then has one sample and must say so, not pass.
        Matcher m = Pattern.compile("END_TO_END p99 cannot be judged: (no samples|only (\\d+) samples?), and p99 needs at"
                + " least 100").matcher(t.getMessage());
        assertThat(m.find()).as(t.getMessage()).isTrue();
        if (m.group(2) == null) {
            assertThat(t).hasMessageContaining("no markers finished (complete: none)").hasMessageNotContaining("100.00 %");
        } else {
            assertThat(Integer.parseInt(m.group(2))).as(t.getMessage()).isBetween(1, 2);
            assertThat(t).hasMessageContaining("only " + m.group(2) + (m.group(2).equals("1") ? " sample," : " samples,"));
        }
    }

    @Test
    void withBpfRequiresBpfLetsTestsRun() {
        for (Class<?> c : List.of(ExtensionExamples.RequiresBpfByDefault.class, ExtensionExamples.RequiresBpfOrDisabled.class)) {
            Runs.run(c).testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        }
    }

    @Test
    void withoutPrivilegesRequiresBpfFailsByDefaultDisablesOnlyWhenAskedAndASessionSaysWhy() {
        Cmd.Result r = Cmd.exec(List.of("setpriv", "--bounding-set=-all", "--inh-caps=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), NoPrivilegesMain.class.getName()));
        assertThat(r.exit()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).as(r.stdout() + r.stderr()).hasSize(3);
        assertThat(lines.get(0)).startsWith("RequiresBpfByDefault failed: ")
                .contains("needs eBPF, and this machine lacks it: the process lacks privileges: run as root")
                .contains("@RequiresBpf(disableIfMissing = true)");
        assertThat(lines.get(1)).startsWith("RequiresBpfOrDisabled disabled: LatScope needs eBPF, and this machine lacks it:"
                + " the process lacks privileges");
        assertThat(lines.get(2)).startsWith("SessionWithoutRequiresBpf failed: " + ConfigurationException.class.getName()
                        + ": the LatScope session of @Session field SessionWithoutRequiresBpf.spec cannot start: eBPF tracing"
                        + " is not supported on this machine")
                .contains("lacks privileges");
    }
}
