package io.latscope.store.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One table's rows for a window of a session's intervals, ordered by interval number (the
 * first column), walked in step with the intervals table. The driver reads the whole result
 * at once (histograms are compressed, and a window is small), which is what lets several
 * scans share one connection.
 */
final class Scan implements AutoCloseable {
    private final PreparedStatement statement;
    private final ResultSet rows;
    private boolean has;

    /** {@code sql} takes the session id and the first and last interval number, in that order. */
    Scan(Connection c, String sql, String sessionId, int fromSeq, int toSeq) throws SQLException {
        statement = c.prepareStatement(sql);
        try {
            statement.setString(1, sessionId);
            statement.setInt(2, fromSeq);
            statement.setInt(3, toSeq);
            rows = statement.executeQuery();
            has = rows.next();
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** True while the current row belongs to interval {@code seq}; rows of earlier, unknown intervals are passed over. */
    boolean at(int seq) throws SQLException {
        while (has && rows.getInt(1) < seq) {
            has = rows.next();
        }
        return has && rows.getInt(1) == seq;
    }

    boolean hasRow() {
        return has;
    }

    ResultSet row() {
        return rows;
    }

    void next() throws SQLException {
        has = rows.next();
    }

    /** A nullable DOUBLE column; NULL stands for NaN (MySQL has no NaN). */
    double doubleOrNaN(int column) throws SQLException {
        double d = rows.getDouble(column);
        return rows.wasNull() ? Double.NaN : d;
    }

    @Override
    public void close() throws SQLException {
        statement.close();
    }
}
