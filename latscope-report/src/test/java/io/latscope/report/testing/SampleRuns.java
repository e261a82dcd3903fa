package io.latscope.report.testing;

import io.latscope.report.Run;
import io.latscope.report.RunRecorder;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.Layer;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.Provenance;
import io.latscope.SessionHealth;
import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Interval reports of a two-host, two-direction session with every chart's data in them
 * (hops per direction, clocks, flows, processes, left-out markers, ring drops, the session's
 * health going from LIVE through DEGRADED to LOST), made from a
 * seed so a test can make the same one twice.
 */
public final class SampleRuns {
    public static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    public static final FlowKey FLOW = new FlowKey(InetAddress.ofLiteral("10.99.0.1"), 40000, InetAddress.ofLiteral("10.99.0.2"), 5001);
    private static final Provenance PROVENANCE = new Provenance("sample", 4096, Set.of(Layer.values()), Set.of(5001),
            List.of("client", "server"), "xdp two-step", Map.of("client", "6.18.0", "server", "6.18.0"));

    private SampleRuns() {
    }

    /** Interval {@code seq} of session {@code id}: one second, {@code slowdown} scales the receive side. */
    public static LatencyReport interval(String id, int seq, long seed, double slowdown) {
        Random rnd = new Random(seed * 131 + seq);
        Instant start = T0.plusSeconds(seq);
        LatencyReport.Builder b = LatencyReport.builder(id).interval(true).period(start, start.plus(Duration.ofSeconds(1)))
                .provenance(PROVENANCE);
        for (String[] dir : new String[][] {{"client", "server"}, {"server", "client"}}) {
            String src = dir[0];
            String dst = dir[1];
            b.hop(Hop.TX_SOCKET.in(src), hist(rnd, 6000));
            b.hop(Hop.TX_TCP.in(src), hist(rnd, 1200));
            b.hop(Hop.TX_IP.in(src), hist(rnd, 1100));
            b.hop(Hop.TX_DEV.in(src), hist(rnd, 800));
            b.hop(Hop.VETH.in(src), hist(rnd, 950));
            b.hop(Hop.RX_DEV.in(dst), hist(rnd, 1700 * slowdown));
            b.hop(Hop.RX_IP.in(dst), hist(rnd, 1700));
            b.hop(Hop.RX_TCP.in(dst), hist(rnd, 1500));
            b.hop(Hop.RX_SOCKET.in(dst), hist(rnd, 18000 * slowdown));
            b.hop(Hop.END_TO_END.in(src + "->" + dst), hist(rnd, 34000 * slowdown));
        }
        b.counters(new Counters(Map.of("tx.sock", 2000L, "rx.app", 1990L), 1990, 10, 3, seq == 3 ? 40 : 0, 40000, 2, seq == 3 ? 5 : 0,
                1, Map.of("tx.xmit", 2L), seq == 3 ? Map.of("rx.dev", 40L) : Map.of(), 0));
        b.flow(new FlowStats(FLOW, "bulk", 100_000_000L + rnd.nextInt(20_000_000), 70_000, seq % 4, 8e8 + rnd.nextInt(100_000_000)));
        b.flow(new FlowStats(FLOW.reversed(), null, 2_000_000L, 3000, 0, 1.6e7));
        b.process(new ProcessStats("client", 4242, "iperf3 -c 10.99.0.2", FLOW, 35 + rnd.nextInt(10), 10_485_760L + seq * 4096L));
        b.process(new ProcessStats("server", 77, "iperf3 -s", FLOW, 22 + rnd.nextInt(8), 8_388_608L));
        b.clock(new ClockEstimate("server", "client", start.plusMillis(999), 1_000_000_000L * seq, -340 - seq * 3,
                1.5, 40 + rnd.nextInt(20), 64));
        b.probeCost(new ProbeCost("tx_sock", "tp_btf/tcp_sendmsg_locked", 10_000L * (seq + 1), 151.25));
        // the controller's health: live, then the server's records held up, then some of them lost for good
        b.health(seq < 3 ? SessionHealth.live(T0)
                : seq == 3 ? SessionHealth.of(start, List.of("no record from server for 3.0 s"), Map.of())
                : SessionHealth.of(start, List.of(), Map.of("server", new SessionHealth.Loss(12, 1, 40,
                        "could not deliver for longer than the 10 s outage budget"))));
        return b.build();
    }

    /** Roughly log-normal latencies around {@code medianNanos}, like a stack hop. */
    private static Histogram hist(Random rnd, double medianNanos) {
        Histogram h = LatencyReport.newHistogram();
        for (int i = 0; i < 1000; i++) {
            h.recordValue(Math.max(1, Math.round(medianNanos * Math.exp(0.6 * rnd.nextGaussian()))));
        }
        return h;
    }

    /** Records {@code intervals} intervals into a run directory and finishes it (report.txt, report.html). */
    public static Run record(Path dir, String id, int intervals, long seed, double slowdown) {
        try (RunRecorder rec = RunRecorder.create(dir, "sample run")) {
            io.latscope.CumulativeReport total = new io.latscope.CumulativeReport();
            for (int i = 0; i < intervals; i++) {
                LatencyReport r = interval(id, i, seed, slowdown);
                rec.onInterval(r);
                total.add(r);
            }
            LatencyReport t = total.build(id, T0, T0.plusSeconds(intervals));
            rec.finish(t, id);
            return new Run(id, t, rec.intervals());
        }
    }
}
