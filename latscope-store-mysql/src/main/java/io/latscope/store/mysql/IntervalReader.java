package io.latscope.store.mysql;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.SessionHealth;
import io.latscope.error.StoreException;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Rebuilds a session's interval reports from the tables, one interval at a time: a window of
 * intervals is read from every table ordered by interval number and walked in step, so a
 * long session never has all its rows, nor its (large, decoded) histograms, in memory.
 */
final class IntervalReader {
    private IntervalReader() {
    }

    /** Intervals read per round trip: bounds memory for sessions of any length. */
    private static final int WINDOW = 256;

    static void forEach(Connection c, String id, Consumer<LatencyReport> action) throws SQLException {
        java.util.List<io.latscope.store.SessionInfo> session = SessionReader.sessions(c, id);
        io.latscope.Provenance provenance = session.isEmpty() ? io.latscope.Provenance.UNKNOWN
                : io.latscope.Provenance.parse(session.getFirst().spec());
        Map<Long, FlowKey> flows = flows(c, id);
        int last;
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), -1) FROM intervals WHERE session_id = ?")) {
            ps.setString(1, id);
            try (ResultSet r = ps.executeQuery()) {
                r.next();
                last = r.getInt(1);
            }
        }
        for (int from = 0; from <= last; from += WINDOW) {
            window(c, id, flows, provenance, from, Math.min(last, from + WINDOW - 1), action);
        }
    }

    private static void window(Connection c, String id, Map<Long, FlowKey> flows, io.latscope.Provenance provenance,
                               int from, int to,
                               Consumer<LatencyReport> action) throws SQLException {
        String where = " WHERE session_id = ? AND interval_seq BETWEEN ? AND ? ORDER BY interval_seq";
        try (Scan intervals = new Scan(c, "SELECT seq, start_epoch_ns, end_epoch_ns, markers_matched, markers_incomplete,"
                + " markers_retransmitted, ring_buffer_drops, events_received, markers_expired, markers_overflow,"
                + " markers_unobservable, markers_pending FROM intervals"
                + " WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq", id, from, to);
             Scan points = new Scan(c, "SELECT interval_seq, point, markers FROM point_counters" + where, id, from, to);
             Scan quality = new Scan(c, "SELECT interval_seq, kind, name, count FROM quality_counters" + where, id, from, to);
             Scan hops = new Scan(c, "SELECT interval_seq, flow_id, hop, histogram FROM hop_histograms" + where
                     + ", flow_id, idx", id, from, to);
             Scan flowStats = new Scan(c, "SELECT interval_seq, flow_id, label, bytes, segments, retransmitted_segments,"
                     + " throughput_bps FROM flow_stats" + where + ", idx", id, from, to);
             Scan processes = new Scan(c, "SELECT interval_seq, host, pid, command, flow_id, cpu_percent, rss_bytes"
                     + " FROM process_stats" + where + ", idx", id, from, to);
             Scan clocks = new Scan(c, "SELECT interval_seq, host, reference_host, at_epoch_ns, anchor_ns, offset_ns,"
                     + " drift_ppb, error_bound_ns, probes_used FROM clock_estimates" + where + ", idx", id, from, to);
             Scan costs = new Scan(c, "SELECT interval_seq, program_name, attach_point, runs, mean_ns FROM probe_costs"
                     + where + ", idx", id, from, to);
             Scan unavailable = new Scan(c, "SELECT interval_seq, hop, reason FROM unavailable_hops" + where + ", idx",
                     id, from, to);
             Scan soleScopes = new Scan(c, "SELECT interval_seq, hop, scope FROM sole_scopes" + where, id, from, to);
             Scan health = new Scan(c, "SELECT interval_seq, state, since_epoch_ns FROM interval_health" + where,
                     id, from, to);
             Scan causes = new Scan(c, "SELECT interval_seq, cause FROM health_causes" + where + ", idx", id, from, to);
             Scan losses = new Scan(c, "SELECT interval_seq, host, records, intervals, marker_parts, reason FROM health_losses"
                     + where + ", host", id, from, to)) {
            for (; intervals.hasRow(); intervals.next()) {
                ResultSet i = intervals.row();
                int seq = i.getInt(1);
                LatencyReport.Builder b = LatencyReport.builder(id).interval(true).provenance(provenance)
                        .period(ReportRows.instant(i.getLong(2)), ReportRows.instant(i.getLong(3)));
                Map<String, Long> perPoint = new TreeMap<>();
                for (; points.at(seq); points.next()) {
                    perPoint.put(points.row().getString(2), points.row().getLong(3));
                }
                Map<String, Long> missing = new TreeMap<>();
                Map<String, Long> drops = new TreeMap<>();
                for (; quality.at(seq); quality.next()) {
                    ResultSet q = quality.row();
                    (q.getString(2).equals("drops") ? drops : missing).put(q.getString(3), q.getLong(4));
                }
                b.counters(new Counters(perPoint, i.getLong(4), i.getLong(5), i.getLong(6), i.getLong(7), i.getLong(8),
                        i.getLong(9), i.getLong(10), i.getLong(11), missing, drops, i.getLong(12)));
                for (; hops.at(seq); hops.next()) {
                    ResultSet r = hops.row();
                    Hop hop = parseHop(r.getString(3));
                    var histogram = HistogramBackfill.decode(r.getBytes(4));
                    long flow = r.getLong(2);
                    if (flow == 0) {
                        b.hop(hop, histogram);
                    } else {
                        b.flowHop(flow(flows, flow, id), hop, histogram);
                    }
                }
                for (; flowStats.at(seq); flowStats.next()) {
                    ResultSet r = flowStats.row();
                    b.flow(new FlowStats(flow(flows, r.getLong(2), id), r.getString(3), r.getLong(4), r.getLong(5),
                            r.getLong(6), flowStats.doubleOrNaN(7)));
                }
                for (; processes.at(seq); processes.next()) {
                    ResultSet r = processes.row();
                    long flow = r.getLong(5);
                    FlowKey key = r.wasNull() ? null : flow(flows, flow, id);
                    b.process(new ProcessStats(r.getString(2), r.getLong(3), r.getString(4), key, processes.doubleOrNaN(6),
                            r.getLong(7)));
                }
                for (; clocks.at(seq); clocks.next()) {
                    ResultSet r = clocks.row();
                    b.clock(new ClockEstimate(r.getString(2), r.getString(3), ReportRows.instant(r.getLong(4)), r.getLong(5),
                            r.getLong(6), clocks.doubleOrNaN(7), r.getLong(8), r.getInt(9)));
                }
                for (; costs.at(seq); costs.next()) {
                    ResultSet r = costs.row();
                    b.probeCost(new ProbeCost(r.getString(2), r.getString(3), r.getLong(4), costs.doubleOrNaN(5)));
                }
                for (; unavailable.at(seq); unavailable.next()) {
                    b.unavailable(parseHop(unavailable.row().getString(2)), unavailable.row().getString(3));
                }
                for (; soleScopes.at(seq); soleScopes.next()) {
                    b.soleScope(parseHop(soleScopes.row().getString(2)), soleScopes.row().getString(3));
                }
                Map<String, SessionHealth.Loss> lost = new LinkedHashMap<>();
                for (; losses.at(seq); losses.next()) {
                    ResultSet r = losses.row();
                    lost.put(r.getString(2), new SessionHealth.Loss(r.getLong(3), r.getLong(4), r.getLong(5), r.getString(6)));
                }
                List<String> why = new ArrayList<>();
                for (; causes.at(seq); causes.next()) {
                    why.add(causes.row().getString(2));
                }
                if (health.at(seq)) {
                    ResultSet r = health.row();
                    b.health(new SessionHealth(SessionHealth.State.valueOf(r.getString(2)), ReportRows.instant(r.getLong(3)),
                            why, lost));
                    health.next();
                }
                action.accept(b.build());
            }
        }
    }

    static Map<Long, FlowKey> flows(Connection c, String id) throws SQLException {
        Map<Long, FlowKey> flows = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT flow_id, src, src_port, dst, dst_port FROM flows"
                + " WHERE session_id = ?")) {
            ps.setString(1, id);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    flows.put(r.getLong(1), new FlowKey(InetAddress.ofLiteral(r.getString(2)), r.getInt(3),
                            InetAddress.ofLiteral(r.getString(4)), r.getInt(5)));
                }
            }
        }
        return flows;
    }

    static FlowKey flow(Map<Long, FlowKey> flows, long flowId, String sessionId) {
        FlowKey f = flows.get(flowId);
        if (f == null) {
            throw new StoreException("flow " + flowId + " of session '" + sessionId + "' is not in table flows yet;"
                    + " the session is still being written (flush() the writing store first)");
        }
        return f;
    }

    /** Like {@link Hop#parse} but keeps the scope exactly as stored (parse would strip spaces). */
    static Hop parseHop(String text) {
        int at = text.indexOf('@');
        return at < 0 ? Hop.parse(text) : Hop.parse(text.substring(0, at)).in(text.substring(at + 1));
    }
}
