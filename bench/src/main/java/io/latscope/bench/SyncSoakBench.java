package io.latscope.bench;

import io.latscope.sync.ClockModel;
import io.latscope.sync.ClockSync;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A long clock-sync run with its defaults (64 probes a second in 8 bursts, 5 s window, drift
 * fitted): two namespaces joined by a veth (true offset 0), a saturating TCP flow switched on
 * and off every 30 s (quiet, a→b, quiet, b→a, …). Reported per 2-minute stretch: the error
 * and stated bound of every model published, and — what a session does with them — the error
 * of {@code ClockSync.toReference} for timestamps taken every 50 ms of the run, each mapped
 * at the end with the model fitted around its time.
 *
 * <p>Arguments: {@code [minutes]}, default 10.
 */
public final class SyncSoakBench {
    private static final String A = "10.93.0.1", B = "10.93.0.2";
    private static final long STRETCH = 120_000_000_000L;

    private SyncSoakBench() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<ClockModel> models = new ArrayList<>();
        List<long[]> stamps = new ArrayList<>(); // {time, mapped error}
        long start;
        List<String> failures = new ArrayList<>();
        try (TestNetwork net = TestNetwork.create()) {
            SyncPair pair = SyncPair.of(net, "10.93.0");
            SyncHost ha = pair.a(), hb = pair.b();
            start = System.nanoTime();
            long end = start + minutes * 60_000_000_000L;
            try (ClockSync sync = ClockSync.start(Sync.xdp(), ha, hb)) {
                Thread flows = Thread.ofPlatform().daemon().start(() -> flows(net, end));
                ClockModel last = null;
                long nextStamp = System.nanoTime();
                List<Long> times = new ArrayList<>();
                while (System.nanoTime() < end) {
                    ClockModel m = sync.model("b");
                    if (m != last) {
                        models.add(m);
                        last = m;
                    }
                    if (System.nanoTime() >= nextStamp) {
                        times.add(System.nanoTime()); // namespaces share CLOCK_MONOTONIC, which nanoTime reads
                        nextStamp += 50_000_000;
                    }
                    sync.lastFailure("b").ifPresent(e -> {
                        if (failures.isEmpty() || !failures.getLast().equals(e.getMessage())) {
                            failures.add(e.getMessage());
                        }
                    });
                    Thread.sleep(20);
                }
                flows.join();
                for (long t : times) {
                    stamps.add(new long[] {t, sync.toReference("b", t) - t});
                }
            }
        }
        Bench.header(Bench.fmt("Clock sync over %d minutes: defaults, a TCP flow on and off every 30 s (quiet, a→b,"
                + " quiet, b→a), true offset 0", minutes));
        System.out.println("| minutes | models | median \\|error\\| ns | p99 \\|error\\| ns | bound median ns | bound contains"
                + " truth | drift fitted ppb (min…max) | toReference of stamps every 50 ms: median / p99 \\|error\\| ns |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (long from = 0; from < minutes * 60_000_000_000L; from += STRETCH) {
            long lo = start + from, hi = lo + STRETCH;
            List<ClockModel> ms = models.stream().filter(m -> m.windowEndNanos() >= lo && m.windowEndNanos() < hi).toList();
            double[] mapped = stamps.stream().filter(s -> s[0] >= lo && s[0] < hi).mapToDouble(s -> Math.abs(s[1])).toArray();
            System.out.println(row(Bench.fmt("%d–%d", from / 60_000_000_000L, (from + STRETCH) / 60_000_000_000L), ms, mapped));
        }
        System.out.println(row("all", models, stamps.stream().mapToDouble(s -> Math.abs(s[1])).toArray()));
        System.out.println();
        System.out.println("Round failures (distinct messages): " + (failures.isEmpty() ? "none" : failures));
    }

    private static String row(String label, List<ClockModel> ms, double[] mapped) {
        double[] err = ms.stream().mapToDouble(m -> Math.abs(m.offsetNanos())).toArray();
        double[] bound = ms.stream().mapToDouble(ClockModel::errorBoundNanos).toArray();
        long in = ms.stream().filter(m -> Math.abs(m.offsetNanos()) <= m.errorBoundNanos()).count();
        double dMin = ms.stream().mapToDouble(ClockModel::driftPpb).min().orElse(Double.NaN);
        double dMax = ms.stream().mapToDouble(ClockModel::driftPpb).max().orElse(Double.NaN);
        return Bench.fmt("| %s | %d | %.0f | %.0f | %.0f | %.1f %% | %+.0f…%+.0f | %.0f / %.0f |", label, ms.size(),
                Bench.median(err), SyncAccuracyBench.percentile(err, 99), Bench.median(bound), 100.0 * in / ms.size(),
                dMin, dMax, Bench.median(mapped), SyncAccuracyBench.percentile(mapped, 99));
    }

    /** 30 s quiet, 30 s a→b, 30 s quiet, 30 s b→a, … until {@code end}. */
    private static void flows(TestNetwork net, long end) {
        for (int phase = 0; System.nanoTime() < end; phase++) {
            long left = end - System.nanoTime();
            Duration d = Duration.ofNanos(Math.min(left, 30_000_000_000L));
            if (d.toMillis() < 1000) {
                return;
            }
            switch (phase % 4) {
                case 1 -> TcpTraffic.bulk(net.ns("a"), net.ns("b"), B, 0, 64 * 1024, d);
                case 3 -> TcpTraffic.bulk(net.ns("b"), net.ns("a"), A, 0, 64 * 1024, d);
                default -> {
                    try {
                        Thread.sleep(d);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }
}
