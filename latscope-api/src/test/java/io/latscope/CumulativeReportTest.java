package io.latscope;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CumulativeReportTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final FlowKey FLOW = new FlowKey(InetAddress.ofLiteral("10.0.0.1"), 1, InetAddress.ofLiteral("10.0.0.2"), 2);

    private static Histogram values(long... nanos) {
        Histogram h = LatencyReport.newHistogram();
        for (long v : nanos) {
            h.recordValue(v);
        }
        return h;
    }

    @Test
    void intervalsAddUpIntoOneReportInPathOrder() {
        LatencyReport first = LatencyReport.builder("s").interval(true).period(T, T.plusSeconds(1))
                .hop(Hop.RX_SOCKET, values(100, 200)).flowHop(FLOW, Hop.RX_SOCKET, values(100))
                .counters(new Counters(Map.of("p", 3L), 10, 1, 2, 0, 50))
                .flow(new FlowStats(FLOW, "bulk", 1_000, 10, 1, 8_000))
                .process(new ProcessStats("h", 1, "cmd", FLOW, 10, 1_000))
                .clock(new ClockEstimate("b", "a", T, 0, 100, 0, 5, 10))
                .probeCost(new ProbeCost("prog", "tp", 100, 200))
                .unavailable(Hop.NETWORK, "one host")
                .notMeasured("probe self-cost", "BPF_ENABLE_STATS needs CAP_SYS_ADMIN").build();
        LatencyReport second = LatencyReport.builder("s").interval(true).period(T.plusSeconds(1), T.plusSeconds(4))
                .hop(Hop.TX_TCP, values(50)).hop(Hop.RX_SOCKET, values(300)).flowHop(FLOW, Hop.RX_SOCKET, values(300))
                .counters(new Counters(Map.of("p", 4L, "q", 1L), 20, 0, 0, 1, 60))
                .flow(new FlowStats(FLOW, "", 3_000, 30, 0, 8_000))
                .process(new ProcessStats("h", 1, "cmd", FLOW, 30, 500))
                .clock(new ClockEstimate("b", "a", T.plusSeconds(2), 0, 90, 0, 4, 10))
                .probeCost(new ProbeCost("prog", "tp", 400, 150)).build();

        LatencyReport total = LatencyReport.merge("s", T, T.plusSeconds(4), List.of(first, second));

        assertThat(total.isInterval()).isFalse();
        assertThat(total.hops()).extracting(HopStats::hop).containsExactly(Hop.TX_TCP, Hop.RX_SOCKET);
        assertThat(total.hop(Hop.RX_SOCKET).histogram()).isEqualTo(values(100, 200, 300));
        Histogram perFlow = LatencyReport.newFlowHistogram();
        perFlow.add(values(100, 300));
        assertThat(total.hops(FLOW)).containsExactly(new HopStats(Hop.RX_SOCKET, perFlow));
        assertThat(total.counters()).isEqualTo(new Counters(Map.of("p", 7L, "q", 1L), 30, 1, 2, 1, 110));
        assertThat(total.unavailable()).containsEntry(Hop.NETWORK, "one host");
        assertThat(total.notMeasured()).containsExactly(Map.entry("probe self-cost", "BPF_ENABLE_STATS needs CAP_SYS_ADMIN"));
        assertThat(total.toString()).contains("probe self-cost        not measured: BPF_ENABLE_STATS needs CAP_SYS_ADMIN");

        FlowStats f = total.flows().getFirst();
        assertThat(f.label()).isEqualTo("bulk");
        assertThat(f.bytes()).isEqualTo(4_000);
        assertThat(f.retransmittedSegments()).isEqualTo(1);
        assertThat(f.throughputBitsPerSecond()).isCloseTo(4_000 * 8 / 4.0, within(1e-9));
        // the text says what the rate is averaged over (a new user read a session mean as the flow's rate)
        assertThat(total.toString()).contains("4000 B, 0.0 Mbit/s averaged over the " + Durations.format(4_000_000_000L)
                + " report,");
        assertThat(first.toString()).contains("Mbit/s averaged over the " + Durations.format(1_000_000_000L) + " interval,");

        ProcessStats p = total.processes().getFirst();
        assertThat(p.cpuPercent()).isCloseTo((10 * 1 + 30 * 3) / 4.0, within(1e-9));
        assertThat(p.rssBytes()).isEqualTo(1_000);

        assertThat(total.clocks()).containsExactly(second.clocks().getFirst());
        // Probe costs are the kernel's running totals: the newest is the session's.
        assertThat(total.probeCosts()).containsExactly(new ProbeCost("prog", "tp", 400, 150));
    }

    @Test
    void soleScopeSurvivesOnlyWhileEveryIntervalAgrees() {
        LatencyReport.Builder a = LatencyReport.builder("s").interval(true).period(T, T.plusSeconds(1))
                .hop(Hop.TX_DEV, values(10)).hop(Hop.RX_IP, values(10)).soleScope(Hop.TX_DEV, "ns1").soleScope(Hop.RX_IP, "ns2");
        LatencyReport.Builder b = LatencyReport.builder("s").interval(true).period(T.plusSeconds(1), T.plusSeconds(2))
                .hop(Hop.TX_DEV, values(10)).hop(Hop.RX_IP, values(10)).soleScope(Hop.TX_DEV, "ns1").soleScope(Hop.RX_IP, "ns3");
        LatencyReport c = LatencyReport.builder("s").interval(true).period(T.plusSeconds(2), T.plusSeconds(3))
                .hop(Hop.RX_IP, values(10)).soleScope(Hop.RX_IP, "ns2").build();
        LatencyReport total = LatencyReport.merge("s", T, T.plusSeconds(3), List.of(a.build(), b.build(), c));
        assertThat(total.soleScopes()).containsExactly(java.util.Map.entry(Hop.TX_DEV, "ns1"));
        assertThat(total.findHop(Hop.TX_DEV.in("ns1"))).isPresent();
        assertThat(total.findHop(Hop.RX_IP.in("ns2"))).isEmpty();
    }

    @Test
    void theNewestIntervalsHealthIsTheSessionsAndIntervalsWithoutOneLeaveItAlone() {
        SessionHealth degraded = SessionHealth.of(T, List.of("host h2 silent for 3 s"), Map.of());
        SessionHealth lost = SessionHealth.of(T.plusSeconds(1), List.of(),
                Map.of("h2", new SessionHealth.Loss(12, 1, 40, "its agent exited without a goodbye")));
        LatencyReport.Builder a = LatencyReport.builder("s").interval(true).period(T, T.plusSeconds(1))
                .hop(Hop.TX_DEV, values(10));
        LatencyReport.Builder b = LatencyReport.builder("s").interval(true).period(T.plusSeconds(1), T.plusSeconds(2))
                .hop(Hop.TX_DEV, values(10));
        CumulativeReport total = new CumulativeReport().add(a.health(degraded).build());
        assertThat(total.build("s", T, T.plusSeconds(1)).health()).contains(degraded);
        total.add(b.health(lost).build()).add(LatencyReport.builder("s").interval(true)
                .period(T.plusSeconds(1), T.plusSeconds(2)).hop(Hop.RX_IP, values(10)).build());
        assertThat(total.build("s", T, T.plusSeconds(2)).health()).contains(lost);
        assertThat(new CumulativeReport().add(a.health(null).build()).build("s", T, T.plusSeconds(1)).health()).isEmpty();
    }

    @Test
    void noIntervalsGiveAnEmptyReportForThePeriod() {
        LatencyReport total = new CumulativeReport().build("s", T, T.plusSeconds(2));
        assertThat(total.hops()).isEmpty();
        assertThat(total.duration().toSeconds()).isEqualTo(2);
        assertThat(total.counters()).isEqualTo(Counters.EMPTY);
    }
}
