package io.latscope;

import io.latscope.error.ConfigurationException;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static io.latscope.Hop.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A report's share of a session between two cumulative snapshots, and the jshell distribution printout. */
class LatencyReportSinceTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static Histogram values(long... nanos) {
        Histogram h = LatencyReport.newHistogram();
        for (long v : nanos) {
            h.recordValue(v);
        }
        return h;
    }

    @Test
    void subtractsHistogramsCountersAndProbeCostsAndDropsHopsWithoutNewSamples() {
        LatencyReport before = LatencyReport.builder("s").period(T0, T0.plusSeconds(1))
                .hop(TX_TCP, values(1_000, 1_000, 1_000))
                .hop(TX_DEV.in("a"), values(500))
                .soleScope(TX_DEV, "a")
                .hop(RX_TCP, values(700, 800))
                .counters(new Counters(Map.of("tx.tcp", 3L), 3, 1, 0, 0, 30))
                .probeCost(new ProbeCost("p", "tx.tcp", 10, 100))
                .build();
        // what the presentation of a live session does: tx.DEV measured in one scope first, two later
        LatencyReport later = LatencyReport.builder("s").period(T0, T0.plusSeconds(3))
                .hop(TX_TCP, values(1_000, 1_000, 1_000, 5_000, 5_000))
                .hop(TX_DEV.in("a"), values(500, 600))
                .hop(TX_DEV.in("b"), values(900))
                .hop(RX_TCP, values(700, 800))
                .counters(new Counters(Map.of("tx.tcp", 5L), 5, 1, 0, 0, 50))
                .probeCost(new ProbeCost("p", "tx.tcp", 30, 200))
                .notMeasured("endpoint processes", "why")
                .build();

        LatencyReport d = later.since(before);

        assertThat(d.isInterval()).isTrue();
        assertThat(d.start()).isEqualTo(before.end());
        assertThat(d.end()).isEqualTo(later.end());
        assertThat(d.hops()).extracting(HopStats::hop).containsExactly(TX_TCP, TX_DEV.in("a"), TX_DEV.in("b"));
        assertThat(d.hop(TX_TCP).count()).isEqualTo(2);
        assertThat(d.hop(TX_TCP).minNanos()).isEqualTo(5_000);
        assertThat(d.hop(TX_DEV.in("a")).count()).isEqualTo(1);
        assertThat(d.hop(TX_DEV.in("a")).percentileNanos(50)).isEqualTo(600);
        assertThat(d.hop(TX_DEV).count()).as("unscoped: both scopes merged").isEqualTo(2);
        assertThat(d.findHop(RX_TCP)).as("no sample in between").isEmpty();
        assertThat(d.counters().markersMatched()).isEqualTo(2);
        assertThat(d.counters().markersPerPoint()).containsEntry("tx.tcp", 2L);
        assertThat(d.probeCosts()).singleElement().satisfies(c -> {
            assertThat(c.runs()).isEqualTo(20);
            assertThat(c.meanNanos()).isEqualTo(250.0); // (30*200 - 10*100) / 20
        });
        assertThat(d.notMeasured()).as("what the later report lacks, its interval lacks too")
                .containsExactly(Map.entry("endpoint processes", "why"));
    }

    @Test
    void keepsTheSoleScopeOfAHopShownUnscoped() {
        LatencyReport before = LatencyReport.builder("s").period(T0, T0.plusSeconds(1))
                .hop(TX_DEV, values(500)).soleScope(TX_DEV, "a").build();
        LatencyReport later = LatencyReport.builder("s").period(T0, T0.plusSeconds(2))
                .hop(TX_DEV, values(500, 700)).soleScope(TX_DEV, "a").build();
        LatencyReport d = later.since(before);
        assertThat(d.soleScope(TX_DEV)).isEqualTo("a");
        assertThat(d.hop(TX_DEV.in("a")).count()).isEqualTo(1);
    }

    @Test
    void refusesReportsOfAnotherSessionOrInTheWrongOrder() {
        LatencyReport a = LatencyReport.builder("s1").period(T0, T0.plusSeconds(1)).hop(TX_TCP, values(1)).build();
        LatencyReport b = LatencyReport.builder("s2").period(T0, T0.plusSeconds(2)).hop(TX_TCP, values(1)).build();
        LatencyReport c = LatencyReport.builder("s1").period(T0, T0.plusSeconds(2)).hop(TX_TCP, values(1, 2)).build();
        assertThatThrownBy(() -> b.since(a)).isInstanceOf(ConfigurationException.class).hasMessageContaining("same session");
        assertThatThrownBy(() -> a.since(c)).isInstanceOf(ConfigurationException.class).hasMessageContaining("earlier");
        LatencyReport shrunk = LatencyReport.builder("s1").period(T0, T0.plusSeconds(3)).hop(TX_TCP, values(1)).build();
        assertThatThrownBy(() -> shrunk.since(c)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("tx.TCP");
    }

    @Test
    void distributionListsPercentilesInMicroseconds() {
        HopStats h = new HopStats(TX_TCP, values(1_000, 2_000, 3_000, 50_000));
        String text = h.distribution();
        assertThat(text).startsWith("tx.TCP (values in µs, 4 samples)")
                .contains("Value     Percentile TotalCount 1/(1-Percentile)")
                .contains("50.015") // max, in µs at 3 significant digits
                .contains("#[Mean");
        assertThat(new HopStats(TX_TCP, LatencyReport.newHistogram()).distribution())
                .isEqualTo("tx.TCP (values in µs, 0 samples)" + System.lineSeparator());
    }
}
