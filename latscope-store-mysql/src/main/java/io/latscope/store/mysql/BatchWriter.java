package io.latscope.store.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Writes a batch of row sets in one transaction: per table one prepared statement, its rows
 * added with {@code addBatch} (the driver turns them into multi-row INSERTs). With
 * {@code rowAtATime} every row is its own statement and commit, as the seed prototype
 * wrote; kept only so the benchmark can compare the two in the same run.
 */
final class BatchWriter {
    private final DataSource dataSource;
    private final boolean rowAtATime;

    BatchWriter(DataSource dataSource, boolean rowAtATime) {
        this.dataSource = dataSource;
        this.rowAtATime = rowAtATime;
    }

    void write(List<RowSet> batch) throws SQLException {
        Map<Table, List<Row>> byTable = new EnumMap<>(Table.class);
        for (RowSet s : batch) {
            for (Row r : s.rows()) {
                byTable.computeIfAbsent(r.table(), t -> new ArrayList<>()).add(r);
            }
        }
        try (Connection c = dataSource.getConnection()) {
            if (rowAtATime) {
                writeRowByRow(c, byTable);
            } else {
                writeBatched(c, byTable);
            }
        }
    }

    private static void writeBatched(Connection c, Map<Table, List<Row>> byTable) throws SQLException {
        c.setAutoCommit(false);
        try {
            for (Map.Entry<Table, List<Row>> e : byTable.entrySet()) {
                try (PreparedStatement ps = c.prepareStatement(e.getKey().sql())) {
                    for (Row r : e.getValue()) {
                        bind(ps, r);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            throw e;
        }
        // The pool restores auto-commit when the connection goes back.
    }

    private static void writeRowByRow(Connection c, Map<Table, List<Row>> byTable) throws SQLException {
        c.setAutoCommit(true);
        for (Map.Entry<Table, List<Row>> e : byTable.entrySet()) {
            try (PreparedStatement ps = c.prepareStatement(e.getKey().sql())) {
                for (Row r : e.getValue()) {
                    bind(ps, r);
                    ps.executeUpdate();
                }
            }
        }
    }

    static void bind(PreparedStatement ps, Row r) throws SQLException {
        Object[] v = r.values();
        for (int i = 0; i < v.length; i++) {
            int p = i + 1;
            switch (v[i]) {
                case null -> ps.setNull(p, Types.NULL);
                case Long l -> ps.setLong(p, l);
                case Integer n -> ps.setInt(p, n);
                // MySQL has no NaN or infinity: stored as NULL, read back as NaN.
                case Double d when !Double.isFinite(d) -> ps.setNull(p, Types.DOUBLE);
                case Double d -> ps.setDouble(p, d);
                case Boolean b -> ps.setBoolean(p, b);
                case String s -> ps.setString(p, s);
                case byte[] b -> ps.setBytes(p, b);
                default -> throw new IllegalArgumentException("no column type for " + v[i].getClass());
            }
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
