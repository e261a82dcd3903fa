package io.latscope.bench;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.Layer;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bulk TCP throughput over a veth pair with LatScope attached vs not, in one run:
 * configurations alternate round by round (7 rounds of 1 s warm-up + 3 s measured each by
 * default; {@code --rounds N --seconds S --configs i,j} to change that),
 * medians compared. Beside throughput, the CPU time the whole machine spent per GB moved
 * ({@code /proc/stat}, all CPUs, busy = everything but idle and iowait): on a 2-core VM
 * whose throughput swings ±20 % from round to round, the extra CPU per byte is the steadier
 * measure of what LatScope costs. Two rows attach do-nothing programs on the same hooks
 * instead of a session ({@code emptyhooks.bpf.c}): the cost of the kernel calling a program
 * at each point at all, which no probe can go below.
 */
public final class ThroughputBench {
    private ThroughputBench() {
    }

    /** Measured seconds per round (after 1 s of warm-up traffic). */
    private static int seconds = 3;

    record Config(String name, Integer stride, boolean probeCost, boolean syscalls, Layer... layers) {
        Config(String name, Integer stride, boolean probeCost) {
            this(name, stride, probeCost, true); // syscall boundaries on, as a session has them by default
        }

        /** A row with empty programs on LatScope's hooks instead of a session. */
        boolean emptyHooks() {
            return stride != null && stride < 0;
        }
    }

    /** Mark the empty-programs rows (no session; strides no session accepts). */
    private static final int EMPTY_HOOKS = -1;
    private static final int EMPTY_HOOKS_BUT_SOCKOPS = -2;

    public static void main(String[] args) {
        Config[] configs = {
                new Config("no LatScope", null, false),
                new Config("empty programs on LatScope's hooks (the kernel's dispatch alone)", EMPTY_HOOKS, false),
                new Config("empty programs on LatScope's hooks but sockops (tx TCP where fentry is allowed)",
                        EMPTY_HOOKS_BUT_SOCKOPS, false),
                new Config("LatScope, stride 1 KiB (~64 markers per GSO segment)", 1024, true),
                new Config("LatScope, every segment (stride 64 KiB = a GSO segment on veth)", 64 * 1024, true),
                new Config("LatScope, stride 256 KiB (default)", 256 * 1024, true),
                new Config("LatScope, stride 1 MiB", 1024 * 1024, true),
                new Config("LatScope, stride 256 KiB, no probe-cost stats", 256 * 1024, false),
                new Config("LatScope, stride 256 KiB, no syscall boundaries", 256 * 1024, true, false),
                new Config("LatScope, stride 256 KiB, SOCKET layer only", 256 * 1024, true, true, Layer.SOCKET),
                new Config("LatScope, stride 256 KiB, TCP layer only", 256 * 1024, true, true, Layer.TCP),
                new Config("LatScope, stride 256 KiB, IP layer only", 256 * 1024, true, true, Layer.IP),
                new Config("LatScope, stride 256 KiB, DEV and VETH only", 256 * 1024, true, true, Layer.DEV, Layer.VETH),
        };
        int rounds = 7;
        List<Config> chosen = new ArrayList<>(List.of(configs));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--configs" -> { // indexes into the table below; 0, the baseline, is always run
                    chosen.clear();
                    chosen.add(configs[0]);
                    for (String k : args[++i].split(",")) {
                        int idx = Integer.parseInt(k.strip());
                        if (idx != 0) {
                            chosen.add(configs[idx]);
                        }
                    }
                }
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --rounds N, --configs i,j,... (0 = no LatScope), --seconds S");
            }
        }
        configs = chosen.toArray(Config[]::new);
        Map<Config, double[]> gbps = new LinkedHashMap<>();
        Map<Config, double[]> cpuPerGb = new LinkedHashMap<>();
        Map<Config, long[]> drops = new LinkedHashMap<>();
        for (Config c : configs) {
            gbps.put(c, new double[rounds]);
            cpuPerGb.put(c, new double[rounds]);
            drops.put(c, new long[rounds]);
        }
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.97.0.1/24", "b", "10.97.0.2/24");
            TcpTraffic.bulk(a, b, "10.97.0.2", 5001, 64 * 1024, Duration.ofSeconds(2)); // warm-up
            for (int r = 0; r < rounds; r++) {
                for (Config c : configs) {
                    double[] m = round(a, b, c, drops.get(c), r);
                    gbps.get(c)[r] = m[0];
                    cpuPerGb.get(c)[r] = m[1];
                }
            }
        }
        Bench.header("Bulk TCP throughput over veth, with and without LatScope");
        double base = Bench.median(gbps.get(configs[0]));
        double baseCpu = Bench.median(cpuPerGb.get(configs[0]));
        System.out.println("| configuration | Gbit/s (median of " + rounds + " x " + seconds + " s) | min–max | ratio to no LatScope"
                + " | per-round ratio (median, quartiles) | CPU ms per GB (median) | CPU per GB vs no LatScope | ring drops (max) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Config c : configs) {
            double[] all = gbps.get(c);
            double m = Bench.median(all);
            double cpu = Bench.median(cpuPerGb.get(c));
            long maxDrops = java.util.Arrays.stream(drops.get(c)).max().orElse(0);
            double lo = java.util.Arrays.stream(all).min().orElse(0);
            double hi = java.util.Arrays.stream(all).max().orElse(0);
            // each round against the baseline measured in the same round: drifts of the machine cancel
            double[] paired = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                paired[r] = all[r] / gbps.get(configs[0])[r];
            }
            java.util.Arrays.sort(paired);
            System.out.println(Bench.fmt("| %s | %.2f | %.1f–%.1f | %.3f | %.3f (%.3f–%.3f) | %.0f | %+.1f %% | %d |", c.name(), m,
                    lo, hi, m / base, Bench.median(paired), paired[rounds / 4], paired[(3 * rounds) / 4], cpu,
                    100 * (cpu / baseCpu - 1), maxDrops));
        }
    }

    /** {Gbit/s, CPU ms per GB} of one measured round. */
    static double[] round(NetNs a, NetNs b, Config c, long[] drops, int r) {
        if (c.stride() == null) {
            return measured(a, b);
        }
        if (c.emptyHooks()) {
            return withEmptyHooks(a, b, c.stride() == EMPTY_HOOKS);
        }
        try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5001).stride(c.stride()).layers(c.layers())
                .probeCost(c.probeCost()).syscallBoundaries(c.syscalls()).start()) {
            double[] g = measured(a, b);
            LatencyReport rep = s.snapshot();
            drops[r] = rep.counters().ringBufferDrops();
            return g;
        }
    }

    /**
     * Traffic with a do-nothing program on every hook the probes use, in the same namespaces
     * ({@code emptyhooks.bpf.c}); without sockops, what tx TCP on fentry would leave.
     */
    static double[] withEmptyHooks(NetNs a, NetNs b, boolean sockops) {
        try (EmptyHooks h = EmptyHooks.attach(sockops, EmptyHooks.Entry.FIRST_COPY, a, b)) {
            return measured(a, b);
        }
    }

    /**
     * Steady state: 1 s of traffic first (the session's threads and the JIT settle in —
     * sessions run for far longer than 3 s), then the measured 3 s.
     */
    static double[] measured(NetNs a, NetNs b) {
        TcpTraffic.bulk(a, b, "10.97.0.2", 5001, 64 * 1024, Duration.ofSeconds(1));
        long busy0 = busyJiffies();
        TcpTraffic.FlowResult f = TcpTraffic.bulk(a, b, "10.97.0.2", 5001, 64 * 1024, Duration.ofSeconds(seconds));
        long busy = busyJiffies() - busy0;
        return new double[] {f.throughputBitsPerSecond() / 1e9, busy * 10.0 / (f.bytes() / 1e9)};
    }

    /** CPU time of all CPUs but idle and iowait, in USER_HZ ticks (10 ms), from /proc/stat. */
    static long busyJiffies() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 7; i++) { // user nice system idle iowait irq softirq (not steal)
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
