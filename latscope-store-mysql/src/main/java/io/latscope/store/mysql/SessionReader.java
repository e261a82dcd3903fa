package io.latscope.store.mysql;

import io.latscope.FlowKey;
import io.latscope.store.HostInfo;
import io.latscope.MarkerRecord;
import io.latscope.store.SessionInfo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Sessions with their hosts, and sampled marker records, read back. */
final class SessionReader {
    private SessionReader() {
    }

    /** All sessions newest first, or the one with {@code id} when it is not null. */
    static List<SessionInfo> sessions(Connection c, String id) throws SQLException {
        String filter = id == null ? "" : " WHERE session_id = ?";
        Map<List<String>, List<String>> interfaces = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT session_id, host_label, name FROM host_interfaces" + filter
                + " ORDER BY session_id, host_label, idx")) {
            bind(ps, id);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    interfaces.computeIfAbsent(List.of(r.getString(1), r.getString(2)), k -> new ArrayList<>()).add(r.getString(3));
                }
            }
        }
        Map<String, List<HostInfo>> hosts = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT session_id, label, address, kind, parent FROM hosts" + filter
                + " ORDER BY session_id, idx")) {
            bind(ps, id);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    String session = r.getString(1);
                    String label = r.getString(2);
                    hosts.computeIfAbsent(session, k -> new ArrayList<>()).add(new HostInfo(label, r.getString(3),
                            HostInfo.Kind.valueOf(r.getString(4)), r.getString(5),
                            interfaces.getOrDefault(List.of(session, label), List.of())));
                }
            }
        }
        List<SessionInfo> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, label, start_epoch_ns, end_epoch_ns, spec FROM sessions"
                + (id == null ? "" : " WHERE id = ?") + " ORDER BY start_epoch_ns DESC, id")) {
            bind(ps, id);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    long end = r.getLong(4);
                    boolean running = r.wasNull();
                    out.add(new SessionInfo(r.getString(1), r.getString(2), ReportRows.instant(r.getLong(3)),
                            running ? null : ReportRows.instant(end), hosts.getOrDefault(r.getString(1), List.of()),
                            r.getString(5)));
                }
            }
        }
        return out;
    }

    static List<MarkerRecord> markers(Connection c, String id, int limit) throws SQLException {
        Map<Long, FlowKey> flows = IntervalReader.flows(c, id);
        List<MarkerRecord> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT flow_id, tcp_seq, retransmitted, stamps FROM markers"
                + " WHERE session_id = ? ORDER BY record_no LIMIT ?")) {
            ps.setString(1, id);
            ps.setInt(2, limit);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    out.add(new MarkerRecord(IntervalReader.flow(flows, r.getLong(1), id), r.getLong(2), r.getBoolean(3),
                            MarkerStamps.decode(r.getBytes(4))));
                }
            }
        }
        return out;
    }

    private static void bind(PreparedStatement ps, String id) throws SQLException {
        if (id != null) {
            ps.setString(1, id);
        }
    }
}
