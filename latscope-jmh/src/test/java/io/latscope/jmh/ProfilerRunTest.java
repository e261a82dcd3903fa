package io.latscope.jmh;

import io.latscope.testbed.KernelLeakCheck;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.Collection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Real JMH runs (in this JVM) of a loopback benchmark with the profiler: results per iteration, sessions closed. */
@KernelTest
class ProfilerRunTest {

    static Options options(String ns, int failInIteration) {
        return new OptionsBuilder().include(LoopbackBenchmark.class.getName())
                .param("ns", ns).param("failInIteration", String.valueOf(failInIteration))
                .addProfiler(LatScopeProfiler.class, "ports=" + LoopbackBenchmark.PORT + ";namespaces=" + ns
                        + ";stride=1024;percentiles=50,99,100;hops=tx.TCP,END_TO_END")
                .forks(0).warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(2).measurementTime(TimeValue.milliseconds(500))
                .verbosity(VerboseMode.SILENT).build();
    }

    @Test
    void everyIterationReportsItsOwnShareOfTheHopsAskedFor() throws Exception {
        System.setProperty("jmh.ignoreLock", "true");
        try (TestNetwork net = TestNetwork.create()) {
            String ns = net.namespace("a").name();
            Collection<RunResult> runs = new Runner(options(ns, 0)).run();
            assertThat(runs).hasSize(1);
            for (BenchmarkResult b : runs.iterator().next().getBenchmarkResults()) {
                List<IterationResult> its = List.copyOf(b.getIterationResults());
                assertThat(its).hasSize(2);
                for (IterationResult it : its) {
                    // only the hops asked for; 1 KiB each way per round trip, one marker per KiB
                    assertThat(it.getSecondaryResults()).containsOnlyKeys("latscope.tx.TCP.p50", "latscope.tx.TCP.p99",
                            "latscope.tx.TCP.p100", "latscope.tx.TCP.samples", "latscope.END_TO_END.p50",
                            "latscope.END_TO_END.p99", "latscope.END_TO_END.p100", "latscope.END_TO_END.samples");
                    double roundTrips = it.getMetadata().getMeasuredOps();
                    double markers = it.getSecondaryResults().get("latscope.END_TO_END.samples").getScore();
                    // an iteration's markers are its own round trips' (not the session's running total)
                    assertThat(markers).as("markers of %s round trips", roundTrips).isBetween(roundTrips, 2 * roundTrips + 2000);
                }
            }
        }
    }

    @Test
    void aSessionLeftOpenByAFailedTrialIsClosedWhenTheNextTrialStarts() throws Exception {
        System.setProperty("jmh.ignoreLock", "true");
        int before = KernelLeakCheck.bpfDescriptors().size();
        try (TestNetwork net = TestNetwork.create()) {
            String ns = net.namespace("a").name();
            assertThat(new Runner(options(ns, 2)).run()).as("the failed trial has no result").isEmpty();
            assertThat(KernelLeakCheck.bpfDescriptors().size()).as("its session is still open").isGreaterThan(before);
            assertThat(new Runner(options(ns, 0)).run()).hasSize(1);
        }
        // and now nothing is left (KernelLeakCheck checks that too)
        assertThat(KernelLeakCheck.bpfDescriptors()).hasSize(before);
    }
}
