package io.latscope.store.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Checks at open, not at the first interval, that the user may write: the writer's own
 * statements are tried on a probe row and rolled back. A SELECT-only user fails here with
 * the server naming the missing privilege.
 */
final class WritePrivileges {
    private static final String PROBE = "\u0000latscope-privilege-probe";

    private WritePrivileges() {
    }

    static void check(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement(Table.SESSIONS.sql())) {
                BatchWriter.bind(ps, Row.of(Table.SESSIONS, PROBE, null, 0L, null, null));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(Table.SESSION_ENDS.sql())) {
                BatchWriter.bind(ps, Row.of(Table.SESSION_ENDS, 0L, PROBE));
                ps.executeUpdate();
            }
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
    }
}
