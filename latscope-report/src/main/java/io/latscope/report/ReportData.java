package io.latscope.report;

import io.latscope.ClockEstimate;
import io.latscope.DataQuality;
import io.latscope.Durations;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ProcessStats;
import io.latscope.ReportComparison;
import org.HdrHistogram.HistogramIterationValue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The numbers behind the HTML report's charts, as JSON-ready maps and lists; values in nanoseconds. */
final class ReportData {
    /** HdrHistogram's percentile iteration: ticks per halving of the distance to 100 %. */
    private static final int TICKS_PER_HALF = 5;
    /** The 1/(1-p) axis stops at p = 99.999 %: beyond it few runs have samples. */
    private static final double MAX_X = 100_000;

    private ReportData() {
    }

    static Map<String, Object> of(Run run, Run baseline) {
        LatencyReport r = run.total();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("title", run.title());
        d.put("session", r.sessionId());
        d.put("provenance", r.provenance().display());
        d.put("period", r.start() + " .. " + r.end() + " (" + Durations.format(r.duration().toNanos()) + ")");
        d.put("table", table(r));
        d.put("decomposition", decomposition(r));
        d.put("distribution", distribution(r));
        Instant t0 = run.intervals().isEmpty() ? r.start() : run.intervals().getFirst().start();
        d.put("overTime", overTime(run, t0));
        d.put("clocks", clocks(run, t0));
        d.put("flows", flows(run, t0));
        d.put("processes", processes(run, t0));
        d.put("quality", quality(r));
        d.put("text", r.toString());
        if (baseline != null) {
            d.put("comparison", comparison(baseline, run));
        }
        return d;
    }

    private static List<Object> table(LatencyReport r) {
        List<Object> rows = new ArrayList<>();
        for (HopStats h : r.hops()) {
            rows.add(List.of(h.hop().toString(), h.count(), h.percentileNanos(50), h.percentileNanos(90), h.percentileNanos(99),
                    h.maxNanos(), Math.round(h.meanNanos())));
        }
        return rows;
    }

    /** The scope a hop was measured in: its own, or the sole scope of an unscoped one. */
    private static String scope(LatencyReport r, Hop h) {
        if (h.isScoped()) {
            return h.scope();
        }
        String s = r.soleScope(h);
        return s == null ? "" : s;
    }

    /**
     * Per direction (END_TO_END@src->dst), the hops on its way: transmit hops and VETH in the
     * writer's scope, NETWORK (VIRT between a VM and its host) of that direction, receive hops in the reader's scope; each at
     * p50 and p99, with END_TO_END's own p50 and p99 beside them (percentiles do not add up:
     * the stack of p99s is not END_TO_END's p99).
     */
    static List<Object> decomposition(LatencyReport r) {
        List<Object> out = new ArrayList<>();
        for (HopStats e2e : r.hops()) {
            if (e2e.hop().kind() != Hop.Kind.END_TO_END) {
                continue;
            }
            String dir = scope(r, e2e.hop());
            int arrow = dir.indexOf("->");
            String src = arrow < 0 ? null : dir.substring(0, arrow);
            String dst = arrow < 0 ? null : dir.substring(arrow + 2);
            List<Object> hops = new ArrayList<>();
            for (HopStats h : r.hops()) {
                Hop.Kind k = h.hop().kind();
                if (k == Hop.Kind.END_TO_END) {
                    continue;
                }
                String s = scope(r, h.hop());
                boolean on = src == null
                        || (k == Hop.Kind.TX || k == Hop.Kind.VETH) && s.equals(src)
                        || k == Hop.Kind.RX && s.equals(dst)
                        || (k == Hop.Kind.NETWORK || k == Hop.Kind.VIRT) && s.equals(dir);
                if (on) {
                    hops.add(List.of(h.hop().unscoped().toString(), h.percentileNanos(50), h.percentileNanos(99)));
                }
            }
            out.add(Map.of("direction", dir.isEmpty() ? "END_TO_END" : dir, "e2e",
                    List.of(e2e.percentileNanos(50), e2e.percentileNanos(99)), "hops", hops));
        }
        return out;
    }

    /**
     * Every hop merged over its scopes ({@code tx.TCP}: what {@code report.hop(TX_TCP)} gives),
     * in path order, then each scoped hop as reported ({@code tx.TCP@client}).
     */
    static List<HopStats> mergedThenScoped(LatencyReport r) {
        List<HopStats> out = new ArrayList<>();
        List<Hop> kinds = new ArrayList<>();
        for (HopStats h : r.hops()) {
            if (!kinds.contains(h.hop().unscoped())) {
                kinds.add(h.hop().unscoped());
            }
        }
        for (Hop k : kinds) {
            out.add(r.hop(k));
        }
        for (HopStats h : r.hops()) {
            if (h.hop().isScoped()) {
                out.add(h);
            }
        }
        return out;
    }

    /** Each hop's percentile distribution as [1/(1-p), value] points, as HdrHistogram plots it. */
    static List<Object> distribution(LatencyReport r) {
        List<Object> out = new ArrayList<>();
        for (HopStats h : mergedThenScoped(r)) {
            List<Object> points = new ArrayList<>();
            for (HistogramIterationValue v : h.histogram().percentiles(TICKS_PER_HALF)) {
                double p = v.getPercentileLevelIteratedTo();
                if (p >= 100) {
                    break;
                }
                double x = 1 / (1 - p / 100);
                if (x > MAX_X) {
                    break;
                }
                points.add(new double[] {x, v.getValueIteratedTo()});
            }
            out.add(Map.of("hop", h.hop().toString(), "points", points));
        }
        return out;
    }

    private static double seconds(Instant t0, Instant t) {
        return Duration.between(t0, t).toMillis() / 1000.0;
    }

    private static Map<String, Object> overTime(Run run, Instant t0) {
        Map<String, List<Object>> byHop = new LinkedHashMap<>();
        for (IntervalSummary i : run.intervals()) {
            double t = seconds(t0, i.end());
            i.hops().forEach((hop, v) -> byHop.computeIfAbsent(hop, k -> new ArrayList<>()).add(new double[] {t, v[1], v[2], v[0]}));
        }
        return new LinkedHashMap<>(byHop);
    }

    private static Map<String, Object> clocks(Run run, Instant t0) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (IntervalSummary i : run.intervals()) {
            for (ClockEstimate c : i.clocks()) {
                out.computeIfAbsent(c.host() + " vs " + c.reference(), k -> new ArrayList<>())
                        .add(new double[] {seconds(t0, i.end()), c.offsetNanos(), c.errorBoundNanos()});
            }
        }
        if (out.isEmpty()) {
            for (ClockEstimate c : run.total().clocks()) {
                out.put(c.host() + " vs " + c.reference(), List.of(new double[] {seconds(t0, run.total().end()), c.offsetNanos(),
                        c.errorBoundNanos()}));
            }
        }
        return new LinkedHashMap<>(out);
    }

    private static Map<String, Object> flows(Run run, Instant t0) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (IntervalSummary i : run.intervals()) {
            for (FlowStats f : i.flows()) {
                out.computeIfAbsent(flowName(f), k -> new ArrayList<>()).add(new double[] {seconds(t0, i.end()),
                        f.throughputBitsPerSecond() / 1e6, 100 * f.lossRate(), f.bytes()});
            }
        }
        if (out.isEmpty()) {
            for (FlowStats f : run.total().flows()) {
                out.put(flowName(f), List.of(new double[] {seconds(t0, run.total().end()), f.throughputBitsPerSecond() / 1e6,
                        100 * f.lossRate(), f.bytes()}));
            }
        }
        return new LinkedHashMap<>(out);
    }

    private static String flowName(FlowStats f) {
        return f.flow() + (f.label() == null || f.label().isEmpty() ? "" : " [" + f.label() + "]");
    }

    private static Map<String, Object> processes(Run run, Instant t0) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (IntervalSummary i : run.intervals()) {
            for (ProcessStats p : i.processes()) {
                out.computeIfAbsent(processName(p), k -> new ArrayList<>()).add(new double[] {seconds(t0, i.end()),
                        p.cpuPercent(), p.rssBytes() / 1048576.0});
            }
        }
        if (out.isEmpty()) {
            for (ProcessStats p : run.total().processes()) {
                out.put(processName(p), List.of(new double[] {seconds(t0, run.total().end()), p.cpuPercent(),
                        p.rssBytes() / 1048576.0}));
            }
        }
        return new LinkedHashMap<>(out);
    }

    private static String processName(ProcessStats p) {
        String cmd = p.command() == null ? "" : p.command();
        return p.host() + " " + p.pid() + " " + (cmd.length() > 40 ? cmd.substring(0, 40) + "…" : cmd);
    }

    private static Map<String, Object> quality(LatencyReport r) {
        DataQuality q = r.quality();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seen", q.markersSeen());
        m.put("complete", q.markersComplete());
        m.put("retransmitted", q.retransmitted());
        m.put("leftOut", new LinkedHashMap<>(q.leftOut()));
        Map<String, Long> drops = new LinkedHashMap<>();
        q.ringDropsByPoint().forEach((p, n) -> drops.put(p.label(), n));
        m.put("ringDrops", q.ringDrops());
        m.put("ringDropsByPoint", drops);
        m.put("clockBound", new LinkedHashMap<>(q.clockBoundNanos()));
        m.put("probeCost", new LinkedHashMap<>(q.probeCostNanos()));
        m.put("text", q.toString());
        List<String> warnings = new ArrayList<>(q.warnings());
        // a multi-host session's health (held up, lost) as the text report prints it
        r.health().ifPresent(h -> {
            m.put("health", h.toString());
            m.put("healthState", h.state().name());
            h.warning().ifPresent(warnings::add);
        });
        m.put("warnings", warnings);
        return m;
    }

    private static Map<String, Object> comparison(Run baseline, Run candidate) {
        ReportComparison c = ReportComparison.of(baseline.total(), candidate.total());
        List<Object> hops = new ArrayList<>();
        for (ReportComparison.HopComparison h : c.hops()) {
            if (h.inBoth()) {
                hops.add(List.of(h.hop().toString(), h.p50().baselineNanos(), h.p50().candidateNanos(),
                        h.p99().baselineNanos(), h.p99().candidateNanos()));
            }
        }
        return Map.of("baseline", baseline.title(), "candidate", candidate.title(), "hops", hops, "text", c.toString());
    }
}
