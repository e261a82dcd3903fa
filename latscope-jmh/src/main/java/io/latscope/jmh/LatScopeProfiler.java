package io.latscope.jmh;

import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.LatScope;
import io.latscope.error.LatScopeException;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.profile.ProfilerException;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JMH profiler: where the benchmark's network latency goes, hop by hop, per iteration.
 *
 * <pre>
 * -prof io.latscope.jmh.LatScopeProfiler:layers=SOCKET,TCP,IP;ports=5001;namespaces=client,server;percentiles=50,99
 * </pre>
 *
 * <p>One LatScope session spans the benchmark's trial in each fork: it starts before the
 * first iteration — so before the benchmark's {@code @Setup} methods, and connections
 * opened there are seen from their first byte (ones opened earlier are measured too: the
 * session's start gives them the TCP point's callback) — and closes after the last
 * measurement iteration. Each iteration reports its own
 * share of it, per hop: {@code latscope.<hop>.p<N>} in µs (averaged over iterations) and
 * {@code latscope.<hop>.samples} (summed). The namespaces named must exist when JMH starts.
 * Without eBPF the constructor throws {@link ProfilerException} saying what is missing,
 * and JMH refuses to run.
 *
 * <p>JMH tells a profiler nothing when a trial fails, so a failed trial leaves its session
 * open: the next trial in the same JVM closes it (and a forked JVM's exit does anyway).
 */
public final class LatScopeProfiler implements InternalProfiler {
    /** Sessions of trials in progress in this JVM; any still here when a trial starts belong to failed ones. */
    private static final Set<LatScopeSession> OPEN = ConcurrentHashMap.newKeySet();

    private final ProfilerOptions options;
    private LatScopeSession session;
    private LatencyReport iterationStart;
    private int measurementIterations;

    /** For {@link java.util.ServiceLoader} discovery ({@code -lprof}) only: JMH runs the (String) constructor. */
    public LatScopeProfiler() {
        this.options = null;
    }

    /**
     * The profiler JMH runs: checks the options and that this machine can run eBPF, before
     * any benchmark starts.
     *
     * @param initLine the options after {@code -prof io.latscope.jmh.LatScopeProfiler:}, see {@link #getDescription()}
     * @throws ProfilerException when an option is invalid or eBPF is unusable here, saying what to do
     */
    public LatScopeProfiler(String initLine) throws ProfilerException {
        try {
            this.options = ProfilerOptions.parse(initLine);
        } catch (LatScopeException e) {
            throw new ProfilerException("LatScope profiler: " + e.getMessage(), e);
        }
        List<String> problems = LatScope.problems();
        if (!problems.isEmpty()) {
            throw new ProfilerException("LatScope profiler needs eBPF, and this machine lacks it: "
                    + String.join("; ", problems));
        }
    }

    @Override
    public String getDescription() {
        return "LatScope: per-hop network latency percentiles per iteration, with eBPF. Options: " + ProfilerOptions.HELP;
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
        if (options == null) {
            throw new IllegalStateException("this LatScopeProfiler was made for discovery; JMH makes profilers with the"
                    + " (String) constructor");
        }
        if (session == null) {
            closeLeftovers();
            session = options.spec("jmh " + benchmark.getBenchmark()).start();
            OPEN.add(session);
            measurementIterations = 0;
        }
        iterationStart = session.snapshot();
    }

    @Override
    public List<Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration, IterationResult result) {
        boolean last = iteration.getType() == IterationType.MEASUREMENT && ++measurementIterations == iteration.getCount();
        LatencyReport now;
        if (last) {
            // after the trial's @TearDown: closing drains the last markers into the final report
            session.close();
            OPEN.remove(session);
            now = session.snapshot();
            session = null;
            if (options.table()) {
                System.out.println("LatScope, whole trial of " + benchmark.getBenchmark() + ":");
                System.out.print(now);
            }
        } else {
            now = session.snapshot();
        }
        return results(now.since(iterationStart));
    }

    private static void closeLeftovers() {
        for (LatScopeSession s : OPEN) {
            OPEN.remove(s);
            s.close();
        }
    }

    private List<Result> results(LatencyReport r) {
        List<Result> out = new ArrayList<>();
        for (Hop hop : hops(r)) {
            Optional<HopStats> found = r.findHop(hop);
            if (found.isEmpty()) {
                continue;
            }
            HopStats h = found.get();
            for (double p : options.percentiles()) {
                String label = "p" + BigDecimal.valueOf(p).stripTrailingZeros().toPlainString();
                out.add(new ScalarResult("latscope." + hop + "." + label, h.percentileNanos(p) / 1e3, "us",
                        p == 100 ? AggregationPolicy.MAX : AggregationPolicy.AVG));
            }
            out.add(new ScalarResult("latscope." + hop + ".samples", h.count(), "samples", AggregationPolicy.SUM));
        }
        return out;
    }

    /** The hops asked for; else every hop measured, merged over namespaces unless {@code scoped=true}. */
    private List<Hop> hops(LatencyReport r) {
        if (!options.hops().isEmpty()) {
            return options.hops();
        }
        if (options.scoped()) {
            return r.hops().stream().map(HopStats::hop).toList();
        }
        return List.copyOf(new TreeSet<>(r.hops().stream().map(h -> h.hop().unscoped()).toList()));
    }
}
