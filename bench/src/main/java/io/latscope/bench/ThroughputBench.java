package io.latscope.bench;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.Layer;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bulk TCP throughput over a veth pair with LatScope attached vs not, in one run:
 * configurations alternate round by round (7 rounds of 1 s warm-up + 3 s measured each),
 * medians compared.
 */
public final class ThroughputBench {
    private ThroughputBench() {
    }

    record Config(String name, Integer stride, boolean probeCost, boolean syscalls, Layer... layers) {
        Config(String name, Integer stride, boolean probeCost) {
            this(name, stride, probeCost, true);
        }
    }

    public static void main(String[] args) {
        Config[] configs = {
                new Config("no LatScope", null, false),
                new Config("LatScope, every segment (stride 1 KiB)", 1024, true),
                new Config("LatScope, stride 64 KiB", 64 * 1024, true),
                new Config("LatScope, stride 256 KiB", 256 * 1024, true),
                new Config("LatScope, stride 1 MiB", 1024 * 1024, true),
                new Config("LatScope, stride 256 KiB, no probe-cost stats", 256 * 1024, false),
                new Config("LatScope, stride 256 KiB, no syscall boundaries", 256 * 1024, true, false),
                new Config("LatScope, stride 256 KiB, SOCKET layer only", 256 * 1024, true, true, Layer.SOCKET),
                new Config("LatScope, stride 256 KiB, TCP layer only", 256 * 1024, true, true, Layer.TCP),
                new Config("LatScope, stride 256 KiB, IP layer only", 256 * 1024, true, true, Layer.IP),
                new Config("LatScope, stride 256 KiB, DEV and VETH only", 256 * 1024, true, true, Layer.DEV, Layer.VETH),
        };
        int rounds = 7;
        Map<Config, double[]> gbps = new LinkedHashMap<>();
        Map<Config, long[]> drops = new LinkedHashMap<>();
        for (Config c : configs) {
            gbps.put(c, new double[rounds]);
            drops.put(c, new long[rounds]);
        }
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.97.0.1/24", "b", "10.97.0.2/24");
            TcpTraffic.bulk(a, b, "10.97.0.2", 5001, 64 * 1024, Duration.ofSeconds(2)); // warm-up
            for (int r = 0; r < rounds; r++) {
                for (Config c : configs) {
                    long[] d = drops.get(c);
                    gbps.get(c)[r] = round(a, b, c, d, r);
                }
            }
        }
        Bench.header("Bulk TCP throughput over veth, with and without LatScope");
        double base = Bench.median(gbps.get(configs[0]));
        System.out.println("| configuration | Gbit/s (median of 7 x 3 s) | min–max | ratio to no LatScope | ring drops (max) |");
        System.out.println("|---|---|---|---|---|");
        for (Config c : configs) {
            double[] all = gbps.get(c);
            double m = Bench.median(all);
            long maxDrops = java.util.Arrays.stream(drops.get(c)).max().orElse(0);
            double lo = java.util.Arrays.stream(all).min().orElse(0);
            double hi = java.util.Arrays.stream(all).max().orElse(0);
            System.out.println(Bench.fmt("| %s | %.2f | %.1f–%.1f | %.3f | %d |", c.name(), m, lo, hi, m / base, maxDrops));
        }
    }

    static double round(NetNs a, NetNs b, Config c, long[] drops, int r) {
        if (c.stride() == null) {
            return measured(a, b);
        }
        try (LatScopeSession s = LatScope.builder().namespaces(a, b).ports(5001).stride(c.stride()).layers(c.layers())
                .probeCost(c.probeCost()).syscallBoundaries(c.syscalls()).start()) {
            double g = measured(a, b);
            LatencyReport rep = s.snapshot();
            drops[r] = rep.counters().ringBufferDrops();
            return g;
        }
    }

    /**
     * Steady state: 1 s of traffic first (the session's threads and the JIT settle in —
     * sessions run for far longer than 3 s), then the measured 3 s.
     */
    static double measured(NetNs a, NetNs b) {
        TcpTraffic.bulk(a, b, "10.97.0.2", 5001, 64 * 1024, Duration.ofSeconds(1));
        return TcpTraffic.bulk(a, b, "10.97.0.2", 5001, 64 * 1024, Duration.ofSeconds(3)).throughputBitsPerSecond() / 1e9;
    }
}
