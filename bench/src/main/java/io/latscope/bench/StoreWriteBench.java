package io.latscope.bench;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.Credentials;
import io.latscope.MarkerRecord;
import io.latscope.StoreSpec;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import io.latscope.store.Stores;
import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Sustained write rate of the MySQL result store: interval reports per second and marker
 * records per second, batched (the default) against row at a time (each row its own INSERT
 * and commit, as the seed prototype wrote), alternating the two in the same run so that a
 * noisy machine affects both alike. Writes to a database of its own, dropped at the end.
 *
 * <pre>
 * java -cp ... io.latscope.bench.StoreWriteBench [--server 127.0.0.1:3306] [--user root] [--password ""]
 *     [--rounds 3] [--intervals 300] [--records 100000]
 * </pre>
 */
public final class StoreWriteBench {
    private static final FlowKey A = flow("10.0.0.1", 40000, "10.0.0.2", 5001);
    private static final FlowKey B = flow("10.0.0.1", 40001, "10.0.0.2", 5001);
    private static final List<Hop> HOPS = List.of(Hop.TX_SOCKET, Hop.TX_TCP, Hop.TX_IP, Hop.TX_DEV, Hop.VETH, Hop.RX_DEV,
            Hop.RX_IP, Hop.RX_TCP, Hop.RX_SOCKET, Hop.END_TO_END);

    private record Result(String mode, String phase, int items, double seconds, double callMicros) {
        double perSecond() {
            return items / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        String server = opt.getOrDefault("server", "127.0.0.1:3306");
        Credentials admin = Credentials.of(opt.getOrDefault("user", "root"), opt.getOrDefault("password", ""));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
        int intervals = Integer.parseInt(opt.getOrDefault("intervals", "300"));
        int records = Integer.parseInt(opt.getOrDefault("records", "100000"));
        String db = "latscope_bench_" + Long.toHexString(System.nanoTime());
        Path spill = Files.createTempDirectory("latscope-bench-spill");

        List<LatencyReport> templates = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            templates.add(interval("template", i));
        }
        List<MarkerRecord> markers = markers(1_000);

        execute(server, admin, "CREATE DATABASE `" + db + "` CHARACTER SET utf8mb4");
        try {
            StoreSpec batched = Stores.mysql("jdbc:mysql://" + server + "/" + db, admin).with("spillDirectory", spill);
            StoreSpec rowAtATime = batched.with("batchRows", 1);
            Stores.open(batched).close(); // schema, outside the timing
            // Warm-up (JIT, pool, buffer pool) at a fifth of the size, not reported.
            for (StoreSpec spec : List.of(batched, rowAtATime)) {
                run(spec, "warm-up", "intervals", "warm-" + batchRows(spec) + "-i", templates, intervals / 5, List.of(), 0);
                run(spec, "warm-up", "records", "warm-" + batchRows(spec) + "-m", List.of(), 0, markers, records / 5);
            }
            List<Result> results = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (StoreSpec spec : List.of(batched, rowAtATime)) {
                    String mode = batchRows(spec) == 1 ? "row-at-a-time" : "batch";
                    results.add(run(spec, mode, "intervals", "r" + round + "-" + mode + "-i", templates, intervals, List.of(), 0));
                    results.add(run(spec, mode, "records", "r" + round + "-" + mode + "-m", List.of(), 0, markers, records));
                }
            }
            print(results, server, rounds, intervals, records);
        } finally {
            execute(server, admin, "DROP DATABASE IF EXISTS `" + db + "`");
            // Nothing is left in it after a clean run; a run that failed keeps its files for a look.
            try (var files = Files.list(spill)) {
                if (files.findAny().isEmpty()) {
                    Files.delete(spill);
                }
            }
        }
    }

    /** Hands over {@code intervals} reports and {@code records} marker records, then waits until all are durable. */
    private static int batchRows(StoreSpec spec) {
        return Integer.parseInt(spec.options().getOrDefault("batchRows", "2000"));
    }

    private static Result run(StoreSpec spec, String mode, String phase, String session, List<LatencyReport> templates,
                              int intervals, List<MarkerRecord> markers, int records) {
        try (ResultStore store = Stores.open(spec)) {
            store.sessionStarted(new SessionInfo(session, null, Instant.now(), null, List.of(), null));
            store.flush(Duration.ofMinutes(1));
            List<LatencyReport> reports = templates.stream().map(r -> retag(r, session)).toList();
            long callNanos = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < intervals; i++) {
                LatencyReport r = reports.get(i % reports.size());
                long c0 = System.nanoTime();
                store.intervalClosed(r);
                callNanos += System.nanoTime() - c0;
            }
            for (int sent = 0; sent < records; sent += markers.size()) {
                long c0 = System.nanoTime();
                store.markers(session, markers.subList(0, Math.min(markers.size(), records - sent)));
                callNanos += System.nanoTime() - c0;
            }
            store.flush(Duration.ofMinutes(30));
            double seconds = (System.nanoTime() - t0) / 1e9;
            int items = intervals + records;
            int calls = intervals + (markers.isEmpty() ? 0 : (records + markers.size() - 1) / markers.size());
            return new Result(mode, phase, items, seconds, callNanos / 1e3 / calls);
        }
    }

    /** The same report under another session id (a report carries its session's id). */
    private static LatencyReport retag(LatencyReport r, String session) {
        LatencyReport.Builder b = LatencyReport.builder(session).interval(true).period(r.start(), r.end()).counters(r.counters());
        r.hops().forEach(h -> b.hop(h.hop(), h.histogram()));
        r.hopsByFlow().forEach((f, hops) -> hops.forEach(h -> b.flowHop(f, h.hop(), h.histogram())));
        r.flows().forEach(b::flow);
        r.processes().forEach(b::process);
        r.clocks().forEach(b::clock);
        r.probeCosts().forEach(b::probeCost);
        return b.build();
    }

    private static void print(List<Result> results, String server, int rounds, int intervals, int records) {
        System.out.printf(Locale.ROOT, "StoreWriteBench against %s: %d rounds, %d intervals (18 hop histograms each)"
                + " and %d marker records per round and mode%n%n", server, rounds, intervals, records);
        System.out.printf(Locale.ROOT, "%-14s %-10s %8s %9s %12s %14s%n", "mode", "phase", "items", "seconds", "items/s",
                "µs per call");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-14s %-10s %8d %9.2f %12.0f %14.1f%n", r.mode(), r.phase(), r.items(),
                    r.seconds(), r.perSecond(), r.callMicros());
        }
        System.out.println();
        for (String phase : List.of("intervals", "records")) {
            double batch = median(results, "batch", phase);
            double row = median(results, "row-at-a-time", phase);
            System.out.printf(Locale.ROOT, "median %-9s batch %10.0f /s, row-at-a-time %8.0f /s, ratio %.1fx%n", phase, batch,
                    row, batch / row);
        }
    }

    private static double median(List<Result> results, String mode, String phase) {
        double[] v = results.stream().filter(r -> r.mode().equals(mode) && r.phase().equals(phase))
                .mapToDouble(Result::perSecond).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** A report like a live session's interval: 10 hops, 2 flows × 4 hops, counters, flows, processes, clock, probe cost. */
    private static LatencyReport interval(String session, int seed) {
        Random rnd = new Random(seed);
        Instant start = Instant.parse("2026-03-01T10:00:00Z").plusSeconds(seed);
        LatencyReport.Builder b = LatencyReport.builder(session).interval(true).period(start, start.plusSeconds(1));
        HOPS.forEach(h -> b.hop(h, histogram(rnd, 1_000)));
        for (FlowKey f : List.of(A, B)) {
            HOPS.subList(0, 4).forEach(h -> b.flowHop(f, h, histogram(rnd, 500)));
        }
        return b.counters(new Counters(Map.of("tcp_sendmsg_locked", 1000L, "net_dev_start_xmit", 990L), 990, 5, 2, 0, 5000))
                .flow(new FlowStats(A, "bulk", 1_000_000, 700, 1, 8e6)).flow(new FlowStats(B, "rpc", 2_000, 3, 0, 16e3))
                .process(new ProcessStats("sender", 4242, "iperf3 -c", A, 12.5, 10 << 20))
                .process(new ProcessStats("receiver", 77, "iperf3 -s", A, 3.2, 8 << 20))
                .clock(new ClockEstimate("receiver", "sender", start, 0, -340, 1.5, 12, 64))
                .probeCost(new ProbeCost("on_sendmsg", "tp_btf/tcp_sendmsg_locked", 10_000, 151)).build();
    }

    private static Histogram histogram(Random rnd, int values) {
        Histogram h = LatencyReport.newHistogram();
        for (int i = 0; i < values; i++) {
            h.recordValue(Math.max(1, Math.round(Math.exp(8 + rnd.nextGaussian()))));
        }
        return h;
    }

    private static List<MarkerRecord> markers(int count) {
        List<MarkerRecord> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long t = 1_000_000_000L + i * 1000L;
            out.add(new MarkerRecord(i % 2 == 0 ? A : B, 65536L * i, false, List.of(new MarkerRecord.Stamp(io.latscope.Point.TX_SOCK,
                    "", t), new MarkerRecord.Stamp(io.latscope.Point.TX_XMIT, "", t + 800), new MarkerRecord.Stamp(io.latscope.Point.RX_SOCK, "",
                    t + 2500))));
        }
        return out;
    }

    private static FlowKey flow(String src, int srcPort, String dst, int dstPort) {
        return new FlowKey(InetAddress.ofLiteral(src), srcPort, InetAddress.ofLiteral(dst), dstPort);
    }

    private static void execute(String server, Credentials admin, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + server + "/", admin.user(), admin.password())) {
            c.prepareStatement(sql).execute();
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            m.put(args[i].substring(2), args[i + 1]);
        }
        return m;
    }
}
