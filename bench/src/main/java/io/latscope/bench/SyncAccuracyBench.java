package io.latscope.bench;

import io.latscope.bpf.NetNs;
import io.latscope.sync.ClockEstimator;
import io.latscope.sync.ClockModel;
import io.latscope.sync.EstimatorSettings;
import io.latscope.sync.ProbeRound;
import io.latscope.sync.ProbeSample;
import io.latscope.sync.SessionKey;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.sync.SyncInitiator;
import io.latscope.sync.SyncResponder;
import io.latscope.sync.SyncStrategy;
import io.latscope.sync.XdpStamps;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clock-sync accuracy between two network namespaces of one machine, where the true
 * offset is exactly 0, so every estimate's value is its error. In one run, rounds of
 * the XDP method (two-step and one-step stamps of the same probes) alternate with rounds
 * of the same protocol over plain UDP sockets stamped in user space; then the XDP_TX +
 * xdp_bulk_tx variant, two-step with the attach order flipped, and two-step while a TCP
 * flow saturates the same veth. Reported: per-probe error, the model's error after each round,
 * and how many probes an estimate needs to converge. Finally the re-sync interval:
 * measured probe noise replayed against simulated drifting oscillators.
 *
 * <p>Arguments: {@code [rounds] [probesPerRound]}, default 50 × 64 (64 is {@code xdp()}'s default).
 */
public final class SyncAccuracyBench {
    private SyncAccuracyBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int probes = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Map<String, List<List<ProbeSample>>> byMethod = new LinkedHashMap<>();
        for (String m : List.of("xdp two-step", "xdp one-step", "xdp two-step-xdp-tx", "xdp two-step, initiator attached first",
                "xdp two-step, saturating TCP flow", "user-space udp")) {
            byMethod.put(m, new ArrayList<>());
        }
        String loadBefore = loadAverage();
        Map<String, Double> roundMillis = new LinkedHashMap<>();
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.90.0.1/24", "b", "10.90.0.2/24");
            SyncHost ha = SyncHost.of("a", a, TestNetwork.vethName("a", "b"), "10.90.0.1");
            SyncHost hb = SyncHost.of("b", b, TestNetwork.vethName("b", "a"), "10.90.0.2");
            List<SyncHost> both = List.of(ha, hb);
            SessionKey key = SessionKey.random();

            SyncStrategy xdp = Sync.xdp();
            SyncStrategy udp = Sync.userSpace();
            try (SyncResponder xr = SyncResponder.start(xdp, hb, key, both);
                 SyncResponder ur = SyncResponder.start(udp, hb, key, both);
                 SyncInitiator xi = SyncInitiator.start(xdp, ha, key, both);
                 SyncInitiator ui = SyncInitiator.start(udp, ha, key, both)) {
                xi.probe(hb, probes); // first contact, JIT
                ui.probe(hb, probes);
                double xdpMs = 0, udpMs = 0;
                for (int r = 0; r < rounds; r++) {
                    ProbeRound x = xi.probe(hb, probes);
                    ProbeRound u = ui.probe(hb, probes);
                    x.variants().forEach((m, s) -> add(byMethod, m, s));
                    add(byMethod, u.method(), u.samples());
                    xdpMs += x.durationNanos() / 1e6 / rounds;
                    udpMs += u.durationNanos() / 1e6 / rounds;
                }
                roundMillis.put("xdp two-step", xdpMs);
                roundMillis.put("xdp one-step", xdpMs);
                roundMillis.put("user-space udp", udpMs);
            }
            SyncStrategy tx = Sync.xdp().withStamps(XdpStamps.TWO_STEP_XDP_TX);
            try (SyncResponder xr = SyncResponder.start(tx, hb, key, both);
                 SyncInitiator xi = SyncInitiator.start(tx, ha, key, both)) {
                roundMillis.put(tx.method(), measure(xi, hb, rounds, probes, byMethod, tx.method()));
            }
            // the same two-step method with the initiator's programs attached before the responder's:
            // on one kernel both hosts' xdp_devmap_xmit programs run at every hand-off, in attach order
            String flipped = "xdp two-step, initiator attached first";
            try (SyncInitiator xi = SyncInitiator.start(xdp, ha, key, both);
                 SyncResponder xr = SyncResponder.start(xdp, hb, key, both)) {
                roundMillis.put(flipped, measure(xi, hb, rounds, probes, byMethod, flipped));
            }
            // the default method while a TCP flow saturates the same veth, a → b
            String loaded = "xdp two-step, saturating TCP flow";
            try (SyncResponder xr = SyncResponder.start(xdp, hb, key, both);
                 SyncInitiator xi = SyncInitiator.start(xdp, ha, key, both)) {
                xi.probe(hb, probes);
                Thread flow = Thread.ofPlatform().start(() -> TcpTraffic.bulk(a, b, "10.90.0.2", 0, 64 * 1024,
                        Duration.ofSeconds(6)));
                try {
                    Thread.sleep(500);
                    roundMillis.put(loaded, measure(xi, hb, rounds, probes, byMethod, loaded));
                    flow.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        report(rounds, probes, byMethod, roundMillis);
        System.out.println();
        System.out.println("Load average (1, 5, 15 min) before / after: " + loadBefore + " / " + loadAverage());
        IntervalReplay.report(byMethod.get("xdp two-step"), probes);
    }

    /** One first-contact round, then {@code rounds} measured ones; returns the mean round time in ms. */
    private static double measure(SyncInitiator xi, SyncHost target, int rounds, int probes,
                                  Map<String, List<List<ProbeSample>>> byMethod, String method) {
        xi.probe(target, probes);
        double ms = 0;
        for (int r = 0; r < rounds; r++) {
            ProbeRound x = xi.probe(target, probes);
            add(byMethod, method, x.samples());
            ms += x.durationNanos() / 1e6 / rounds;
        }
        return ms;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static void add(Map<String, List<List<ProbeSample>>> m, String method, List<ProbeSample> s) {
        m.computeIfAbsent(method, k -> new ArrayList<>()).add(s);
    }

    private static void report(int rounds, int probes, Map<String, List<List<ProbeSample>>> byMethod,
                               Map<String, Double> roundMillis) {
        Bench.header(Bench.fmt("Clock sync accuracy: two namespaces, true offset 0 (%d rounds × %d probes, interleaved)",
                rounds, probes));
        System.out.println("| method | probes | error median ns | p99 \\|error\\| ns | RTT median ns | RTT p99 ns "
                + "| model error after each round: median / max \\|ns\\| | probes to converge (±10 ns of final) "
                + "| final model error ns | round ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        Map<String, double[]> convergence = new LinkedHashMap<>();
        for (var e : byMethod.entrySet()) {
            List<ProbeSample> all = e.getValue().stream().flatMap(List::stream).toList();
            double[] off = all.stream().mapToDouble(ProbeSample::offsetNanos).toArray();
            double[] abs = Arrays.stream(off).map(Math::abs).toArray();
            double[] rtt = all.stream().mapToDouble(ProbeSample::rttNanos).toArray();
            ClockEstimator est = new ClockEstimator("b", "a", e.getKey(), EstimatorSettings.defaults());
            List<Double> modelErr = new ArrayList<>();
            for (List<ProbeSample> round : e.getValue()) {
                est.addRound(round);
                est.model().ifPresent(m -> modelErr.add(Math.abs(m.offsetNanos())));
            }
            double[] me = modelErr.stream().mapToDouble(Double::doubleValue).toArray();
            Convergence c = Convergence.of(all);
            convergence.put(e.getKey(), c.errors);
            System.out.println(Bench.fmt("| %s | %d | %+.1f | %.0f | %.0f | %.0f | %.1f / %.1f | %s | %+.1f | %.1f |",
                    e.getKey(), all.size(), Bench.median(off), percentile(abs, 99), Bench.median(rtt), percentile(rtt, 99),
                    Bench.median(me), Arrays.stream(me).max().orElse(Double.NaN),
                    c.convergedAt < 0 ? "never" : String.valueOf(c.convergedAt), c.finalError,
                    roundMillis.getOrDefault(e.getKey(), Double.NaN)));
        }
        System.out.println();
        System.out.println("Model error (ns, truth 0) from the first N probes of the run, one estimate each:");
        System.out.println();
        StringBuilder h = new StringBuilder("| method |");
        StringBuilder sep = new StringBuilder("|---|");
        for (int n : Convergence.GRID) {
            h.append(" N=").append(n).append(" |");
            sep.append("---|");
        }
        System.out.println(h);
        System.out.println(sep);
        convergence.forEach((m, errs) -> {
            StringBuilder row = new StringBuilder("| " + m + " |");
            for (double v : errs) {
                row.append(Double.isNaN(v) ? " – |" : Bench.fmt(" %+.0f |", v));
            }
            System.out.println(row);
        });
    }

    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    /** Estimates from the first N probes, each N on a grid; converged once every later one is within ±10 ns of the last. */
    record Convergence(double[] errors, int convergedAt, double finalError) {
        static final int[] GRID = {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

        static Convergence of(List<ProbeSample> all) {
            double[] errs = new double[GRID.length];
            for (int i = 0; i < GRID.length; i++) {
                errs[i] = GRID[i] > all.size() ? Double.NaN : estimate(all.subList(0, GRID[i]));
            }
            double fin = estimate(all);
            int at = -1;
            for (int i = GRID.length - 1; i >= 0; i--) {
                if (Double.isNaN(errs[i])) {
                    continue;
                }
                if (Math.abs(errs[i] - fin) > 10) {
                    break;
                }
                at = GRID[i];
            }
            return new Convergence(errs, at, fin);
        }

        static double estimate(List<ProbeSample> s) {
            ClockEstimator est = new ClockEstimator("b", "a", "", EstimatorSettings.defaults());
            est.addRound(s);
            ClockModel m = est.model().orElseThrow();
            return m.offsetNanos();
        }
    }
}
