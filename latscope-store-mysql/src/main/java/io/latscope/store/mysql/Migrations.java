package io.latscope.store.mysql;

import io.latscope.error.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Creates and upgrades the schema by numbered migrations, recorded in
 * {@code schema_version}; tables are never dropped. MySQL commits DDL implicitly, so a
 * migration cannot be one transaction: instead every step is idempotent (it checks the
 * catalogue first), the version row is written last, and a migration cut short is simply
 * run again. A named lock keeps two stores starting at once from migrating together.
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    @FunctionalInterface
    interface Step {
        void apply(Connection c) throws SQLException;
    }

    record Migration(int version, String description, List<Step> steps) {
    }

    static final List<Migration> ALL = List.of(
            new Migration(1, "sessions, hosts, flows, intervals, per-hop histograms, counters, clocks, markers",
                    SchemaV1.DDL.stream().map(Migrations::sql).toList()),
            new Migration(2, "hop_histograms: min_ns and mean_ns (backfilled), index for a hop across intervals", List.of(
                    addColumn("hop_histograms", "min_ns", "BIGINT NULL AFTER max_ns"),
                    addColumn("hop_histograms", "mean_ns", "DOUBLE NULL AFTER min_ns"),
                    addIndex("hop_histograms", "hop_histograms_by_hop", "session_id, hop, interval_seq"),
                    HistogramBackfill::apply)),
            new Migration(3, "sole_scopes: hops shown unscoped because they were measured in one scope", List.of(
                    sql("""
                        CREATE TABLE IF NOT EXISTS sole_scopes (
                          session_id VARCHAR(64) NOT NULL,
                          interval_seq INT NOT NULL,
                          hop VARCHAR(255) NOT NULL,
                          scope TEXT NOT NULL,
                          PRIMARY KEY (session_id, interval_seq, hop))""" + SchemaV1.TABLE_OPTIONS))),
            new Migration(4, "data quality: markers left out by reason, the points they lacked, ring drops per point",
                    List.of(addColumn("intervals", "markers_expired", "BIGINT NOT NULL DEFAULT 0"),
                            addColumn("intervals", "markers_overflow", "BIGINT NOT NULL DEFAULT 0"),
                            addColumn("intervals", "markers_unobservable", "BIGINT NOT NULL DEFAULT 0"),
                            addColumn("intervals", "markers_pending", "BIGINT NOT NULL DEFAULT 0"),
                            sql("""
                                CREATE TABLE IF NOT EXISTS quality_counters (
                                  session_id VARCHAR(64) NOT NULL,
                                  interval_seq INT NOT NULL,
                                  kind VARCHAR(16) NOT NULL COMMENT 'missing: points a marker lacked; drops: per point',
                                  name VARCHAR(255) NOT NULL,
                                  count BIGINT NOT NULL,
                                  PRIMARY KEY (session_id, interval_seq, kind, name))""" + SchemaV1.TABLE_OPTIONS))),
            new Migration(5, "session health per interval (multi-host sessions): state, causes, what each host lost",
                    List.of(sql("""
                                CREATE TABLE IF NOT EXISTS interval_health (
                                  session_id VARCHAR(64) NOT NULL,
                                  interval_seq INT NOT NULL,
                                  state VARCHAR(16) NOT NULL COMMENT 'LIVE, DEGRADED or LOST',
                                  since_epoch_ns BIGINT NOT NULL,
                                  PRIMARY KEY (session_id, interval_seq))""" + SchemaV1.TABLE_OPTIONS),
                            sql("""
                                CREATE TABLE IF NOT EXISTS health_causes (
                                  session_id VARCHAR(64) NOT NULL,
                                  interval_seq INT NOT NULL,
                                  idx INT NOT NULL,
                                  cause TEXT NOT NULL,
                                  PRIMARY KEY (session_id, interval_seq, idx))""" + SchemaV1.TABLE_OPTIONS),
                            sql("""
                                CREATE TABLE IF NOT EXISTS health_losses (
                                  session_id VARCHAR(64) NOT NULL,
                                  interval_seq INT NOT NULL,
                                  host VARCHAR(255) NOT NULL,
                                  records BIGINT NOT NULL,
                                  intervals BIGINT NOT NULL,
                                  marker_parts BIGINT NOT NULL,
                                  reason TEXT NOT NULL,
                                  PRIMARY KEY (session_id, interval_seq, host))""" + SchemaV1.TABLE_OPTIONS))));

    private Migrations() {
    }

    static int latest() {
        return ALL.getLast().version();
    }

    /** 0 when the database has no LatScope schema. */
    static int currentVersion(Connection c) throws SQLException {
        if (!exists(c, "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                "schema_version")) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(version), 0) FROM schema_version");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Brings the schema to {@code target} (normally {@link #latest()}); returns the version found before. */
    static int migrate(Connection c, String database, int target) throws SQLException {
        String lock = ("latscope.schema." + database);
        lock = lock.substring(0, Math.min(64, lock.length()));
        try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(?, 60)")) {
            ps.setString(1, lock);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    throw new StoreException("another process has been migrating the schema of database '" + database
                            + "' for 60 s; try again when it is done");
                }
            }
        }
        try {
            return migrateLocked(c, database, target);
        } finally {
            try (PreparedStatement ps = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
                ps.setString(1, lock);
                ps.executeQuery().close();
            }
        }
    }

    private static int migrateLocked(Connection c, String database, int target) throws SQLException {
        sql("""
            CREATE TABLE IF NOT EXISTS schema_version (
              version INT NOT NULL PRIMARY KEY,
              description VARCHAR(255) NOT NULL,
              applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""").apply(c);
        int from = currentVersion(c);
        checkKnown(from, database);
        for (Migration m : ALL) {
            if (m.version() <= from || m.version() > target) {
                continue;
            }
            LOG.info("database '{}': applying schema migration V{} ({})", database, m.version(), m.description());
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                for (Step s : m.steps()) {
                    s.apply(c);
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO schema_version (version, description) VALUES (?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
        return from;
    }

    static void checkKnown(int version, String database) {
        if (version > latest()) {
            throw new StoreException("database '" + database + "' has LatScope schema version " + version
                    + ", newer than this LatScope knows (" + latest() + "); use a newer LatScope to read or write it");
        }
    }

    static Step sql(String statement) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                ps.execute();
            }
        };
    }

    /** MySQL 8 has no ADD COLUMN IF NOT EXISTS (MariaDB has): ask the catalogue instead. */
    static Step addColumn(String table, String column, String definition) {
        return c -> {
            if (!exists(c, "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                    + " AND COLUMN_NAME = ?", table, column)) {
                sql("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition).apply(c);
            }
        };
    }

    static Step addIndex(String table, String index, String columns) {
        return c -> {
            if (!exists(c, "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                    + " AND INDEX_NAME = ?", table, index)) {
                sql("ALTER TABLE " + table + " ADD INDEX " + index + " (" + columns + ")").apply(c);
            }
        };
    }

    private static boolean exists(Connection c, String query, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
