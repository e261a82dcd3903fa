package io.latscope.store.mysql;

import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ReportComparison;
import io.latscope.MarkerRecord;
import io.latscope.SessionHealth;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import io.latscope.store.Stores;
import io.latscope.testing.TestReports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.latscope.testing.TestReports.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** What goes into the MySQL store comes back equal, histogram for histogram (against the machine's MariaDB). */
class MySqlStoreRoundTripTest {
    private static TestDatabase db;
    @TempDir
    static Path spill;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.onSystemMariaDb();
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        db.close();
    }

    private static MySqlStoreSpec spec() {
        return MySqlStoreSpec.of(Stores.mysql(db.url(), db.admin())).withSpillDirectory(spill);
    }

    private static void write(MySqlStoreSpec spec, String id, List<LatencyReport> intervals, List<MarkerRecord> markers) {
        try (ResultStore store = spec.open()) {
            store.sessionStarted(TestReports.session(id));
            intervals.forEach(store::intervalClosed);
            store.markers(id, markers);
            store.sessionEnded(id, T0.plusSeconds(intervals.size()));
            store.flush(Duration.ofSeconds(30));
            assertThat(store.health().pending()).isZero();
            assertThat(store.health().healthy()).isTrue();
        }
    }

    @Test
    void intervalsComeBackEqualHistogramForHistogram() {
        String id = "round-trip";
        List<LatencyReport> written = TestReports.intervals(id, 5, 1);
        List<MarkerRecord> markers = TestReports.markers(0, 250);
        write(spec(), id, written, markers);

        // A fresh store, so nothing can come from the writer's memory.
        try (ResultStore store = spec().open()) {
            List<LatencyReport> read = store.intervals(id);
            assertThat(read).hasSize(written.size());
            for (int i = 0; i < written.size(); i++) {
                LatencyReport w = written.get(i);
                LatencyReport r = read.get(i);
                assertThat(r.hops()).extracting(HopStats::hop).containsExactlyElementsOf(w.hops().stream().map(HopStats::hop).toList());
                for (HopStats h : w.hops()) {
                    assertThat(r.hop(h.hop()).histogram()).isEqualTo(h.histogram());
                    assertThat(r.hop(h.hop()).histogram().getTotalCount()).isEqualTo(h.count()).isPositive();
                }
                assertThat(r.hopsByFlow()).isEqualTo(w.hopsByFlow());
                // LatencyReport.equals leaves sole scopes out; they are stored all the same.
                assertThat(r.soleScopes()).isEqualTo(w.soleScopes()).isNotEmpty();
                assertThat(r.hop(Hop.RX_IP.in("ns2")).histogram()).isEqualTo(w.hop(Hop.RX_IP).histogram());
                assertThat(r).isEqualTo(w);
            }
            LatencyReport total = store.load(id).orElseThrow();
            assertThat(total).isEqualTo(LatencyReport.merge(id, T0, T0.plusSeconds(5), written));
            assertThat(total.soleScope(Hop.RX_IP)).isEqualTo("ns2");
            assertThat(store.session(id)).contains(TestReports.session(id).withEnd(T0.plusSeconds(5)));
            assertThat(store.markers(id, 1000)).isEqualTo(markers);
            assertThat(store.markers(id, 10)).isEqualTo(markers.subList(0, 10));
        }
    }

    @Test
    void sessionHealthComesBackWithItsIntervalAndTheNewestIsTheSessions() {
        String id = "health";
        SessionHealth live = SessionHealth.live(T0);
        SessionHealth degraded = SessionHealth.of(T0.plusMillis(1500),
                List.of("Redis unreachable from the controller: Connection refused", "host h2 silent for 3 s"), Map.of());
        SessionHealth lost = SessionHealth.of(T0.plusMillis(2500), List.of(), Map.of(
                "h1", new SessionHealth.Loss(183, 9, 1610, "Redis unreachable beyond the 10 s outage budget"),
                "h2", new SessionHealth.Loss(0, 0, 0, "")));
        List<SessionHealth> healths = java.util.Arrays.asList(live, degraded, null, lost);
        List<LatencyReport> written = new ArrayList<>();
        for (int i = 0; i < healths.size(); i++) {
            LatencyReport.Builder b = LatencyReport.builder(id).interval(true).period(T0.plusSeconds(i), T0.plusSeconds(i + 1))
                    .hop(Hop.TX_TCP, TestReports.histogramOf(1_000 + i, 2_000));
            if (healths.get(i) != null) { // a host's interval (in a multi-host session) carries none
                b.health(healths.get(i));
            }
            written.add(b.build());
        }
        write(spec(), id, written, List.of());

        try (ResultStore store = spec().open()) {
            List<LatencyReport> read = store.intervals(id);
            assertThat(read).extracting(r -> r.health().orElse(null)).containsExactlyElementsOf(healths);
            assertThat(read.get(3).health().orElseThrow().lost().get("h1").records()).isEqualTo(183);
            LatencyReport total = store.load(id).orElseThrow();
            assertThat(total.health()).contains(lost);
            assertThat(total.toString()).contains("session health: LOST").contains("h1 lost");
        }
    }

    @Test
    void sessionLongerThanOneReadWindowComesBackWhole() {
        String id = "long";
        List<LatencyReport> written = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            written.add(LatencyReport.builder(id).interval(true).period(T0.plusSeconds(i), T0.plusSeconds(i + 1))
                    .hop(Hop.TX_DEV, TestReports.histogramOf(1_000 + i)).build());
        }
        write(spec(), id, written, List.of());
        try (ResultStore store = spec().open()) {
            List<LatencyReport> read = new ArrayList<>();
            store.forEachInterval(id, read::add);
            assertThat(read).isEqualTo(written);
            assertThat(store.load(id).orElseThrow().hop(Hop.TX_DEV).count()).isEqualTo(600);
        }
    }

    @Test
    void percentileColumnsAnswerSqlQueries() throws SQLException {
        String id = "sql-columns";
        LatencyReport r = TestReports.interval(id, 0, 7);
        write(spec(), id, List.of(r), List.of());
        HopStats h = r.hop(Hop.TX_TCP);
        String where = " FROM hop_histograms WHERE session_id = ? AND hop = 'tx.TCP' AND flow_id = 0";
        assertThat(db.queryLong("SELECT p50_ns" + where, id)).isEqualTo(h.percentileNanos(50));
        assertThat(db.queryLong("SELECT p90_ns" + where, id)).isEqualTo(h.percentileNanos(90));
        assertThat(db.queryLong("SELECT p99_ns" + where, id)).isEqualTo(h.percentileNanos(99));
        assertThat(db.queryLong("SELECT max_ns" + where, id)).isEqualTo(h.maxNanos());
        assertThat(db.queryLong("SELECT min_ns" + where, id)).isEqualTo(h.minNanos());
        assertThat(db.queryLong("SELECT total_count" + where, id)).isEqualTo(h.count());
        assertThat(db.queryLong("SELECT ROUND(mean_ns)" + where, id)).isEqualTo(Math.round(h.meanNanos()));
    }

    @Test
    void rowAtATimeStoresTheSameAsBatches() {
        String id = "row-at-a-time";
        List<LatencyReport> written = TestReports.intervals(id, 2, 3);
        List<MarkerRecord> markers = TestReports.markers(0, 20);
        write(spec().withBatchRows(1), id, written, markers);
        try (ResultStore store = spec().open()) {
            assertThat(store.intervals(id)).isEqualTo(written);
            assertThat(store.markers(id, 100)).isEqualTo(markers);
        }
    }

    @Test
    void sessionsAreListedNewestFirstAndComparedHopByHop() {
        String before = "compare-before";
        String after = "compare-after";
        List<LatencyReport> slow = new ArrayList<>();
        List<LatencyReport> fast = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow.add(LatencyReport.builder(after).interval(true).period(T0.plusSeconds(100 + i), T0.plusSeconds(101 + i))
                    .hop(Hop.TX_DEV, TestReports.histogramOf(2_000, 4_000, 8_000)).hop(Hop.RX_SOCKET,
                            TestReports.histogramOf(500)).build());
            fast.add(LatencyReport.builder(before).interval(true).period(T0.plusSeconds(i), T0.plusSeconds(1 + i))
                    .hop(Hop.TX_DEV, TestReports.histogramOf(1_000, 2_000, 4_000)).hop(Hop.TX_IP,
                            TestReports.histogramOf(300)).build());
        }
        try (ResultStore store = spec().open()) {
            store.sessionStarted(new SessionInfo(before, null, T0, null, List.of(), null));
            fast.forEach(store::intervalClosed);
            store.sessionStarted(new SessionInfo(after, "after the change", T0.plusSeconds(100), null, List.of(), null));
            slow.forEach(store::intervalClosed);
            store.flush(Duration.ofSeconds(30));

            List<String> ids = store.sessions().stream().map(SessionInfo::id).filter(s -> s.startsWith("compare-")).toList();
            assertThat(ids).containsExactly(after, before);
            assertThat(store.session(after).orElseThrow().end()).isNull();

            ReportComparison c = store.compare(before, after);
            ReportComparison.HopComparison dev = c.hop(Hop.TX_DEV).orElseThrow();
            assertThat(dev.p50().ratio()).isBetween(1.99, 2.01);
            assertThat(dev.max().deltaNanos()).isBetween(3_990L, 4_010L);
            assertThat(dev.baseline().count()).isEqualTo(9);
            assertThat(c.hops()).extracting(ReportComparison.HopComparison::hop)
                    .containsExactly(Hop.TX_IP, Hop.TX_DEV, Hop.RX_SOCKET);
            assertThat(c.toString()).contains("tx.DEV").contains("x2.00").contains("only in the baseline");
        }
    }
}
