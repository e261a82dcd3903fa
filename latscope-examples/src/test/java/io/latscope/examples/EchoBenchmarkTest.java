package io.latscope.examples;

import io.latscope.Hop;
import io.latscope.testbed.KernelTest;
import io.latscope.examples.jmh.EchoBenchmark;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static io.latscope.Hop.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The JMH example, in short iterations: its output has per-hop results for every iteration. */
@KernelTest
class EchoBenchmarkTest {
    static final List<Hop> HOPS = List.of(TX_SOCKET, TX_TCP, TX_IP, TX_DEV, VETH, RX_DEV, RX_IP, RX_TCP, RX_SOCKET, END_TO_END);

    @Test
    void aShortRunReportsPercentilesOfEveryHopForEveryIteration(@TempDir Path dir) throws Exception {
        System.setProperty("jmh.ignoreLock", "true"); // another JMH run on this machine must not fail the test
        Path log = dir.resolve("jmh.txt");
        Collection<RunResult> runs;
        try (TestNetwork net = TwoHosts.create()) {
            runs = new Runner(EchoBenchmark.options(net).forks(0)
                    .warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(2).measurementTime(TimeValue.seconds(1))
                    .output(log.toString()).build()).run();
        }
        String output = Files.readString(log);
        assertThat(runs).as(output).hasSize(1);
        RunResult run = runs.iterator().next();
        assertThat(run.getPrimaryResult().getScore()).as("µs per round trip").isBetween(1.0, 100_000.0);

        List<IterationResult> iterations = new ArrayList<>();
        for (BenchmarkResult b : run.getBenchmarkResults()) {
            iterations.addAll(b.getIterationResults());
        }
        assertThat(iterations).hasSize(2);
        for (IterationResult it : iterations) {
            Map<String, Result> r = it.getSecondaryResults();
            for (Hop h : HOPS) {
                assertThat(r).as(output).containsKeys("latscope." + h + ".p50", "latscope." + h + ".p99", "latscope." + h + ".samples");
                assertThat(r.get("latscope." + h + ".samples").getScore()).as(h + " samples").isGreaterThan(10);
                Result p99 = r.get("latscope." + h + ".p99");
                assertThat(p99.getScoreUnit()).isEqualTo("us");
                assertThat(p99.getScore()).as(h + " p99 in µs").isBetween(0.01, 1_000_000.0);
                assertThat(p99.getScore()).isGreaterThanOrEqualTo(r.get("latscope." + h + ".p50").getScore());
            }
        }
        // and aggregated over the iterations, in JMH's printed results
        assertThat(run.getSecondaryResults()).containsKeys("latscope.END_TO_END.p99", "latscope.tx.TCP.p50");
        for (Hop h : HOPS) {
            assertThat(output).contains("roundTrip:latscope." + h + ".p50", "roundTrip:latscope." + h + ".p99");
        }
    }
}
