package io.latscope.testing;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.store.HostInfo;
import io.latscope.store.SessionInfo;
import io.latscope.MarkerRecord;
import io.latscope.Point;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Reports with everything a live session fills in (hops, per-flow hops, counters, flows,
 * processes, clocks, probe costs, unavailable hops), made from a seed so a test can make the
 * same one twice. Timestamps have nanosecond digits, to show none are lost.
 */
public final class TestReports {
    public static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456789Z");
    public static final FlowKey FLOW_A = flow("10.0.0.1", 40000, "10.0.0.2", 5001);
    public static final FlowKey FLOW_B = flow("fd00::1", 40001, "fd00::2", 5001);
    private static final List<Hop> HOPS = List.of(Hop.TX_SOCKET, Hop.TX_TCP, Hop.TX_IP, Hop.TX_DEV.in("ns1"),
            Hop.VETH.in("ns1"), Hop.RX_DEV.in("ns2"), Hop.RX_IP, Hop.RX_TCP, Hop.RX_SOCKET, Hop.END_TO_END);

    private TestReports() {
    }

    public static FlowKey flow(String src, int srcPort, String dst, int dstPort) {
        return new FlowKey(InetAddress.ofLiteral(src), srcPort, InetAddress.ofLiteral(dst), dstPort);
    }

    public static SessionInfo session(String id) {
        return new SessionInfo(id, "label of " + id, T0, null, List.of(
                new HostInfo("sender", "10.0.0.1", HostInfo.Kind.CONTAINER, "host-a", List.of("veth0", "eth0")),
                new HostInfo("host-a", null, HostInfo.Kind.BARE_METAL, null, List.of()),
                new HostInfo("receiver", "10.0.0.2", HostInfo.Kind.VM, "host-a", List.of("ens3"))),
                "LatScopeSpec[layers=[SOCKET, TCP, IP, DEV], ports=[5001]]");
    }

    /** Interval {@code seq} of a session: one second long, starting {@code seq} seconds after {@link #T0}. */
    public static LatencyReport interval(String sessionId, int seq, long seed) {
        Random rnd = new Random(seed * 31 + seq);
        Instant start = T0.plusSeconds(seq);
        LatencyReport.Builder b = LatencyReport.builder(sessionId).interval(true).period(start, start.plus(Duration.ofSeconds(1)));
        for (Hop h : HOPS) {
            b.hop(h, histogram(rnd, 300 + rnd.nextInt(300)));
        }
        for (FlowKey f : List.of(FLOW_A, FLOW_B)) {
            for (Hop h : HOPS.subList(0, 4)) {
                b.flowHop(f, h, histogram(rnd, 100));
            }
        }
        b.counters(new Counters(Map.of("tcp_sendmsg_locked", 1000L + seq, "net_dev_start_xmit", 990L + seq),
                900 + seq, 5, 2, rnd.nextInt(3), 5000 + seq));
        b.flow(new FlowStats(FLOW_A, "bulk", 1_000_000L * (seq + 1), 700, seq % 3, 8e6 + seq));
        b.flow(new FlowStats(FLOW_B, null, 2_000L, 3, 0, Double.NaN));
        b.process(new ProcessStats("sender", 4242, "iperf3 -c 10.0.0.2", FLOW_A, 12.5 + seq, 10_485_760L + seq));
        b.process(new ProcessStats("receiver", 77, "iperf3 -s", null, 3.25, 8_388_608L));
        b.clock(new ClockEstimate("receiver", "sender", start.plusNanos(17), 123_456_789L + seq, -340 - seq, 1.5, 12, 64));
        b.probeCost(new ProbeCost("on_sendmsg", "tp_btf/tcp_sendmsg_locked", 10_000 + seq, 151.25));
        b.unavailable(Hop.NETWORK, "single host: no wire between hosts");
        b.soleScope(Hop.RX_IP, "ns2");
        return b.build();
    }

    public static List<LatencyReport> intervals(String sessionId, int count, long seed) {
        List<LatencyReport> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(interval(sessionId, i, seed));
        }
        return out;
    }

    public static List<MarkerRecord> markers(int from, int count) {
        List<MarkerRecord> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            long t = 1_000_000_000L + i * 1000L;
            out.add(new MarkerRecord(i % 2 == 0 ? FLOW_A : FLOW_B, 65536L * i, i % 10 == 0, List.of(
                    new MarkerRecord.Stamp(Point.TX_SOCK, "ns1", t),
                    new MarkerRecord.Stamp(Point.TX_XMIT, "ns1", t + 800),
                    new MarkerRecord.Stamp(Point.RX_SOCK, null, t + 2500))));
        }
        return out;
    }

    /** Roughly log-normal latencies around 2–20 µs, like a stack hop. */
    static Histogram histogram(Random rnd, int values) {
        Histogram h = LatencyReport.newHistogram();
        for (int i = 0; i < values; i++) {
            h.recordValue(Math.max(1, Math.round(Math.exp(8 + rnd.nextGaussian()))));
        }
        return h;
    }

    public static Histogram histogramOf(long... valuesNanos) {
        Histogram h = LatencyReport.newHistogram();
        for (long v : valuesNanos) {
            h.recordValue(v);
        }
        return h;
    }
}
