package io.latscope.store.mysql;

import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.store.ResultStore;
import io.latscope.error.StoreException;
import io.latscope.store.Stores;
import io.latscope.testing.TestReports;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static io.latscope.testing.TestReports.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The schema is created from nothing, upgraded from the previous version with data in it, and never dropped. */
class MySqlStoreMigrationTest {
    private static final List<String> TABLES = List.of("clock_estimates", "flow_stats", "flows", "health_causes", "health_losses",
            "hop_histograms", "host_interfaces", "hosts", "interval_health", "intervals", "markers", "point_counters",
            "probe_costs", "process_stats", "quality_counters", "schema_version", "sessions", "sole_scopes",
            "unavailable_hops");
    @TempDir
    Path spill;

    private ResultStore open(TestDatabase db) {
        return MySqlStoreSpec.of(Stores.mysql(db.url(), db.admin())).withSpillDirectory(spill).open();
    }

    @Test
    void emptyDatabaseGetsEveryMigrationInOrderAndReopeningChangesNothing() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb()) {
            open(db).close();
            assertThat(versions(db)).containsExactly(1, 2, 3, 4, 5);
            assertThat(strings(db, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1",
                    db.name())).containsExactlyInAnyOrderElementsOf(TABLES);
            assertThat(strings(db, "SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?"
                    + " AND TABLE_NAME = 'hop_histograms' AND SEQ_IN_INDEX = 1 ORDER BY 1", db.name()))
                    .containsExactlyInAnyOrder("PRIMARY", "hop_histograms_by_hop");

            open(db).close();
            assertThat(versions(db)).containsExactly(1, 2, 3, 4, 5);
        }
    }

    private static final Histogram TCP = TestReports.histogramOf(1_000, 2_000, 3_000, 40_000);
    private static final Histogram IP = TestReports.histogramOf(700, 900);

    /** An interval as the older LatScope wrote it, and the report it stands for. */
    private static LatencyReport writtenAtVersion(TestDatabase db, int version, String id) throws SQLException {
        try (Connection c = db.connect()) {
            Migrations.migrate(c, db.name(), version);
            writeAsOlderVersionsDid(c, id, TCP, IP, version);
        }
        return LatencyReport.builder(id).interval(true).period(T0, T0.plusSeconds(1)).hop(Hop.TX_TCP, TCP).hop(Hop.TX_IP, IP)
                .build();
    }

    @Test
    void previousVersionWithDataIsUpgradedAndCanThenBeRead() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb()) {
            LatencyReport expected = writtenAtVersion(db, 2, "previous");
            assertThat(versions(db)).containsExactly(1, 2);
            assertThatThrownBy(() -> MySqlStoreSpec.of(Stores.mysql(db.url(), db.admin())).withSpillDirectory(spill).asReadOnly().open())
                    .isInstanceOf(StoreException.class).hasMessageContaining("schema version 2, older than this LatScope reads (5)")
                    .hasMessageContaining("open it for writing once");

            try (ResultStore store = open(db)) {
                assertThat(versions(db)).containsExactly(1, 2, 3, 4, 5);
                assertThat(store.intervals("previous")).containsExactly(expected);
                assertThat(store.intervals("previous").getFirst().health()).isEmpty(); // written before V5 kept any
            }
        }
    }

    @Test
    void firstVersionWithDataIsUpgradedThroughEveryStepAndItsRowsBackfilled() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb()) {
            LatencyReport expected = writtenAtVersion(db, 1, "old");
            assertThat(versions(db)).containsExactly(1);

            try (ResultStore store = open(db)) {
                assertThat(versions(db)).containsExactly(1, 2, 3, 4, 5);
                assertThat(db.queryLong("SELECT min_ns FROM hop_histograms WHERE hop = 'tx.TCP'")).isEqualTo(1_000);
                assertThat(db.queryLong("SELECT ROUND(mean_ns) FROM hop_histograms WHERE hop = 'tx.TCP'"))
                        .isEqualTo(Math.round(TCP.getMean()));
                assertThat(db.queryLong("SELECT COUNT(*) FROM hop_histograms WHERE mean_ns IS NULL")).isZero();

                assertThat(store.intervals("old")).containsExactly(expected);
                assertThat(store.load("old").orElseThrow().hop(Hop.TX_TCP).histogram()).isEqualTo(TCP);
            }
        }
    }

    @Test
    void migrationCutShortIsFinishedNextTime() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb()) {
            try (Connection c = db.connect()) {
                Migrations.migrate(c, db.name(), 1);
                // V2's first step ran, then the process died before the version row was written.
                Migrations.ALL.get(1).steps().getFirst().apply(c);
            }
            open(db).close();
            assertThat(versions(db)).containsExactly(1, 2, 3, 4, 5);
        }
    }

    @Test
    void schemaNewerThanThisLatScopeIsRefused() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb()) {
            open(db).close();
            db.execute("INSERT INTO schema_version (version, description) VALUES (99, 'from the future')");
            assertThatThrownBy(() -> open(db)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("schema version 99, newer than this LatScope knows (5)");
        }
    }

    /** The rows of one interval as LatScope wrote them at schema {@code version}: V1 had no min_ns or mean_ns. */
    private static void writeAsOlderVersionsDid(Connection c, String id, Histogram tcp, Histogram ip, int version)
            throws SQLException {
        long start = ReportRows.epochNanos(T0);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO sessions (id, label, start_epoch_ns) VALUES (?, NULL, ?)")) {
            ps.setString(1, id);
            ps.setLong(2, start);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO intervals VALUES (?, 0, ?, ?, 0, 0, 0, 0, 0)")) {
            ps.setString(1, id);
            ps.setLong(2, start);
            ps.setLong(3, start + 1_000_000_000L);
            ps.executeUpdate();
        }
        int idx = 0;
        for (var e : List.of(java.util.Map.entry("tx.TCP", tcp), java.util.Map.entry("tx.IP", ip))) {
            Histogram h = e.getValue();
            String v2 = version >= 2 ? ", min_ns, mean_ns" : "";
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO hop_histograms (session_id, interval_seq, flow_id, hop,"
                    + " idx, total_count, p50_ns, p90_ns, p99_ns, max_ns, histogram" + v2 + ") VALUES (?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?"
                    + (version >= 2 ? ", ?, ?" : "") + ")")) {
                ps.setString(1, id);
                ps.setString(2, e.getKey());
                ps.setInt(3, idx++);
                ps.setLong(4, h.getTotalCount());
                ps.setLong(5, h.getValueAtPercentile(50));
                ps.setLong(6, h.getValueAtPercentile(90));
                ps.setLong(7, h.getValueAtPercentile(99));
                ps.setLong(8, h.getMaxValue());
                ps.setBytes(9, ReportRows.encode(h));
                if (version >= 2) {
                    ps.setLong(10, h.getMinValue());
                    ps.setDouble(11, h.getMean());
                }
                ps.executeUpdate();
            }
        }
    }

    private static List<Integer> versions(TestDatabase db) throws SQLException {
        return strings(db, "SELECT version FROM schema_version ORDER BY version").stream().map(Integer::valueOf).toList();
    }

    private static List<String> strings(TestDatabase db, String sql, String... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
        }
        return out;
    }
}
