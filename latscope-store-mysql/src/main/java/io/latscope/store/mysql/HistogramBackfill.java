package io.latscope.store.mysql;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.zip.DataFormatException;

/**
 * Migration V2's data step: fills min_ns and mean_ns of rows written before V2 by decoding
 * their stored histograms, in chunks so a large table never sits in memory at once.
 */
final class HistogramBackfill {
    private static final int CHUNK_ROWS = 500;

    private HistogramBackfill() {
    }

    static void apply(Connection c) throws SQLException {
        int done;
        do {
            done = 0;
            try (PreparedStatement select = c.prepareStatement("SELECT session_id, interval_seq, flow_id, hop, histogram"
                    + " FROM hop_histograms WHERE mean_ns IS NULL LIMIT ?");
                 PreparedStatement update = c.prepareStatement("UPDATE hop_histograms SET min_ns = ?, mean_ns = ?"
                         + " WHERE session_id = ? AND interval_seq = ? AND flow_id = ? AND hop = ?")) {
                select.setInt(1, CHUNK_ROWS);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        Histogram h = decode(rs.getBytes(5));
                        boolean empty = h.getTotalCount() == 0;
                        update.setLong(1, empty ? 0 : h.getMinValue());
                        update.setDouble(2, empty ? 0 : h.getMean());
                        update.setString(3, rs.getString(1));
                        update.setInt(4, rs.getInt(2));
                        update.setLong(5, rs.getLong(3));
                        update.setString(6, rs.getString(4));
                        update.addBatch();
                        done++;
                    }
                }
                update.executeBatch();
            }
        } while (done == CHUNK_ROWS);
    }

    static Histogram decode(byte[] bytes) throws SQLException {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        } catch (DataFormatException | RuntimeException e) {
            throw new SQLException("a stored histogram is not in HdrHistogram's compressed encoding: " + e, e);
        }
    }
}
