package io.latscope;

import io.latscope.error.ConfigurationException;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ReportComparisonTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static Histogram values(long... nanos) {
        Histogram h = LatencyReport.newHistogram();
        for (long v : nanos) {
            h.recordValue(v);
        }
        return h;
    }

    private static LatencyReport report(String id, LatencyReport.Builder b) {
        return b.period(T, T.plusSeconds(1)).build();
    }

    @Test
    void percentilesAndMaxAreComparedWithDeltasAndRatios() {
        // Below 2048 ns a 3-digit histogram stores values exactly.
        LatencyReport base = report("a", LatencyReport.builder("a").hop(Hop.TX_TCP, values(100, 200, 1_000)));
        LatencyReport cand = report("b", LatencyReport.builder("b").hop(Hop.TX_TCP, values(150, 300, 2_000)));
        ReportComparison.HopComparison tcp = ReportComparison.of(base, cand).hop(Hop.TX_TCP).orElseThrow();

        assertThat(tcp.inBoth()).isTrue();
        assertThat(tcp.p50().baselineNanos()).isEqualTo(200);
        assertThat(tcp.p50().candidateNanos()).isEqualTo(300);
        assertThat(tcp.p50().deltaNanos()).isEqualTo(100);
        assertThat(tcp.p50().ratio()).isCloseTo(1.5, within(1e-9));
        assertThat(tcp.max().ratio()).isCloseTo(2.0, within(1e-9));
        assertThat(tcp.p99().candidateNanos()).isEqualTo(2_000);
        assertThat(tcp.p50().toString()).isEqualTo("200 ns -> 300 ns (+100 ns, x1.50)");
    }

    @Test
    void hopsInOnlyOneReportAreListedInPathOrderButNotCompared() {
        LatencyReport base = report("a", LatencyReport.builder("a").hop(Hop.RX_SOCKET, values(5)).hop(Hop.TX_IP, values(7)));
        LatencyReport cand = report("b", LatencyReport.builder("b").hop(Hop.TX_SOCKET, values(9)).hop(Hop.TX_IP, values(7)));
        ReportComparison c = ReportComparison.of(base, cand);

        assertThat(c.hops()).extracting(ReportComparison.HopComparison::hop)
                .containsExactly(Hop.TX_SOCKET, Hop.TX_IP, Hop.RX_SOCKET);
        assertThat(c.hop(Hop.TX_IP).orElseThrow().p90().ratio()).isEqualTo(1.0);
        assertThat(c.hop(Hop.END_TO_END)).isEmpty();
        assertThatThrownBy(() -> c.hop(Hop.RX_SOCKET).orElseThrow().p99()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("only in the baseline");
        assertThat(c.toString()).contains("tx.SOCKET", "only in the candidate", "rx.SOCKET", "only in the baseline",
                "x1.00");
    }

    @Test
    void reportsMeasuredDifferentlySaySoBeforeTheTable() {
        Provenance full = new Provenance("", 1024, java.util.Set.of(Layer.values()), java.util.Set.of(5001),
                java.util.List.of("a"), "none", java.util.Map.of("local", "6.18"));
        Provenance fewer = new Provenance("", 4096, java.util.Set.of(Layer.SOCKET, Layer.IP), java.util.Set.of(5001),
                java.util.List.of("a"), "none", java.util.Map.of("local", "6.18"));
        LatencyReport base = report("a", LatencyReport.builder("a").provenance(full).hop(Hop.TX_SOCKET, values(100)));
        LatencyReport same = report("b", LatencyReport.builder("b").provenance(full).hop(Hop.TX_SOCKET, values(100)));
        LatencyReport cand = report("c", LatencyReport.builder("c").provenance(fewer).hop(Hop.TX_SOCKET, values(900)));
        assertThat(ReportComparison.of(base, same).differences()).isEmpty();
        ReportComparison c = ReportComparison.of(base, cand);
        assertThat(c.differences()).hasSize(2);
        assertThat(c.differences().get(0)).startsWith("layers differ").contains("covers more of the stack");
        assertThat(c.differences().get(1)).startsWith("strides differ (1024 B vs 4096 B)");
        assertThat(c.toString()).contains("! layers differ", "! strides differ");
        assertThat(ReportComparison.of(base, report("d", LatencyReport.builder("d").hop(Hop.TX_SOCKET, values(1))))
                .differences()).containsExactly("the candidate does not say how it was measured");
    }

    @Test
    void unscopedHopComparesEveryScopeMerged() {
        LatencyReport base = report("a", LatencyReport.builder("a").hop(Hop.TX_DEV.in("ns1"), values(1_000))
                .hop(Hop.TX_DEV.in("ns2"), values(3_000)));
        LatencyReport cand = report("b", LatencyReport.builder("b").hop(Hop.TX_DEV.in("ns1"), values(2_000)));
        ReportComparison.HopComparison dev = ReportComparison.of(base, cand).hop(Hop.TX_DEV).orElseThrow();
        assertThat(dev.baseline().count()).isEqualTo(2);
        assertThat(dev.max().deltaNanos()).isCloseTo(-1_000, within(5L));
    }

    @Test
    void ratioAgainstZeroIsInfiniteUnlessBothAreZero() {
        assertThat(new ReportComparison.Change(0, 0).ratio()).isEqualTo(1.0);
        assertThat(new ReportComparison.Change(0, 5).ratio()).isInfinite();
        assertThat(new ReportComparison.Change(10, 5).toString()).contains("-5 ns");
    }
}
