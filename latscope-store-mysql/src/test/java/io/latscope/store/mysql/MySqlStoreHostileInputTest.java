package io.latscope.store.mysql;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.SessionHealth;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.store.HostInfo;
import io.latscope.MarkerRecord;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import io.latscope.store.Stores;
import io.latscope.testing.TestReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.latscope.testing.TestReports.FLOW_A;
import static io.latscope.testing.TestReports.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every text LatScope stores comes from outside (flow labels, host and namespace names,
 * commands) and goes in as a bound parameter: hostile strings are stored verbatim and the
 * schema survives them.
 */
class MySqlStoreHostileInputTest {
    private static final List<String> HOSTILE = List.of(
            "x'); DROP TABLE sessions; --",
            "\"; DELETE FROM hop_histograms WHERE '1'='1",
            "' OR '1'='1",
            "back\\slash\\' \\\" \\0",
            "`backtick`; TRUNCATE intervals",
            "%_wildcards_%",
            "new\nline\ttab\r",
            "nul\u0000byte",
            "ünïcødé 🚀 名前",
            "Robert'); DROP TABLE markers;--",
            "CASE-differs", "case-differs");
    @TempDir
    Path spill;

    @Test
    void hostileLabelsAndNamesAreStoredVerbatimAndTheSchemaSurvives() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb()) {
            String id = "s'); DROP TABLE intervals; --";
            List<HostInfo> hosts = new ArrayList<>();
            for (String h : HOSTILE) {
                hosts.add(new HostInfo(h, h, HostInfo.Kind.CONTAINER, h, List.of(h, h + "2")));
            }
            SessionInfo session = new SessionInfo(id, HOSTILE.getFirst(), T0, T0.plusSeconds(1), hosts, String.join("|", HOSTILE));
            LatencyReport interval = hostileInterval(id);
            List<MarkerRecord> markers = HOSTILE.stream().map(h -> new MarkerRecord(FLOW_A, 1, false,
                    List.of(new MarkerRecord.Stamp(io.latscope.Point.TX_SOCK, h, 5), new MarkerRecord.Stamp(io.latscope.Point.RX_APP, null, 6)))).toList();

            try (ResultStore store = MySqlStoreSpec.of(Stores.mysql(db.url(), db.admin())).withSpillDirectory(spill).open()) {
                store.sessionStarted(session);
                store.intervalClosed(interval);
                store.markers(id, markers);
                store.flush(Duration.ofSeconds(30));
                assertThat(store.health().healthy()).isTrue();

                assertThat(store.session(id)).contains(session);
                assertThat(store.intervals(id)).containsExactly(interval);
                assertThat(store.intervals(id).getFirst().soleScopes()).isEqualTo(interval.soleScopes());
                // LatencyReport.equals leaves the health out; it is stored verbatim all the same
                assertThat(store.intervals(id).getFirst().health()).isEqualTo(interval.health()).isPresent();
                assertThat(store.markers(id, 100)).isEqualTo(markers);
                assertThat(store.sessions()).extracting(SessionInfo::id).containsExactly(id);
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", db.name()))
                    .isEqualTo(19); // every table of schema V5: none dropped
            assertThat(db.count("hosts")).isEqualTo(HOSTILE.size());
            assertThat(db.count("hop_histograms")).isEqualTo(HOSTILE.size());
            assertThat(db.count("markers")).isEqualTo(HOSTILE.size());
        }
    }

    /** Hostile text in every string a report carries: hop scopes, probe points, labels, commands, hosts, programs. */
    private static LatencyReport hostileInterval(String id) {
        LatencyReport.Builder b = LatencyReport.builder(id).interval(true).period(T0, T0.plusSeconds(1));
        Map<String, Long> points = new TreeMap<>();
        for (int i = 0; i < HOSTILE.size(); i++) {
            String h = HOSTILE.get(i);
            b.hop(Hop.TX_DEV.in(h), TestReports.histogramOf(1_000 + i));
            points.put(h, (long) i);
            b.flow(new FlowStats(FLOW_A, h, i, i, 0, i));
            b.process(new ProcessStats(h, i, h, FLOW_A, i, i));
            b.clock(new ClockEstimate(h, h, T0, i, i, i, i, i));
            b.probeCost(new ProbeCost(h, h, i, i));
            b.unavailable(Hop.RX_IP.in(h), h);
        }
        b.soleScope(Hop.TX_SOCKET, HOSTILE.getFirst()).soleScope(Hop.RX_TCP, HOSTILE.get(7));
        Map<String, SessionHealth.Loss> lost = new java.util.LinkedHashMap<>();
        for (int i = 0; i < HOSTILE.size(); i++) {
            lost.put(HOSTILE.get(i), new SessionHealth.Loss(i, i, i, HOSTILE.get(HOSTILE.size() - 1 - i)));
        }
        b.health(SessionHealth.of(T0, HOSTILE, lost));
        return b.counters(new Counters(points, 1, 2, 3, 4, 5)).build();
    }
}
