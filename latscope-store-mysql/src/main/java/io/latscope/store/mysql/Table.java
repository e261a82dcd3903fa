package io.latscope.store.mysql;

import java.util.Collections;

/**
 * What the writer inserts, table by table, in the order a batch is written: a session's row
 * before its intervals, session ends last. Each insert is a no-op on a key already present,
 * which is what makes a retried batch harmless.
 */
enum Table {
    SESSIONS("sessions", "id", "label", "start_epoch_ns", "end_epoch_ns", "spec"),
    HOSTS("hosts", "session_id", "label", "idx", "address", "kind", "parent"),
    HOST_INTERFACES("host_interfaces", "session_id", "host_label", "idx", "name"),
    FLOWS("flows", "session_id", "flow_id", "src", "src_port", "dst", "dst_port"),
    INTERVALS("intervals", "session_id", "seq", "start_epoch_ns", "end_epoch_ns", "markers_matched", "markers_incomplete",
            "markers_retransmitted", "ring_buffer_drops", "events_received", "markers_expired", "markers_overflow",
            "markers_unobservable", "markers_pending"),
    POINT_COUNTERS("point_counters", "session_id", "interval_seq", "point", "markers"),
    QUALITY_COUNTERS("quality_counters", "session_id", "interval_seq", "kind", "name", "count"),
    HOP_HISTOGRAMS("hop_histograms", "session_id", "interval_seq", "flow_id", "hop", "idx", "total_count", "p50_ns",
            "p90_ns", "p99_ns", "max_ns", "min_ns", "mean_ns", "histogram"),
    FLOW_STATS("flow_stats", "session_id", "interval_seq", "idx", "flow_id", "label", "bytes", "segments",
            "retransmitted_segments", "throughput_bps", "loss_rate"),
    PROCESS_STATS("process_stats", "session_id", "interval_seq", "idx", "host", "pid", "command", "flow_id",
            "cpu_percent", "rss_bytes"),
    CLOCK_ESTIMATES("clock_estimates", "session_id", "interval_seq", "idx", "host", "reference_host", "at_epoch_ns",
            "anchor_ns", "offset_ns", "drift_ppb", "error_bound_ns", "probes_used"),
    PROBE_COSTS("probe_costs", "session_id", "interval_seq", "idx", "program_name", "attach_point", "runs", "mean_ns"),
    UNAVAILABLE_HOPS("unavailable_hops", "session_id", "interval_seq", "idx", "hop", "reason"),
    SOLE_SCOPES("sole_scopes", "session_id", "interval_seq", "hop", "scope"),
    INTERVAL_HEALTH("interval_health", "session_id", "interval_seq", "state", "since_epoch_ns"),
    HEALTH_CAUSES("health_causes", "session_id", "interval_seq", "idx", "cause"),
    HEALTH_LOSSES("health_losses", "session_id", "interval_seq", "host", "records", "intervals", "marker_parts", "reason"),
    MARKERS("markers", "session_id", "record_no", "flow_id", "tcp_seq", "retransmitted", "stamp_count", "first_ns",
            "last_ns", "stamps"),
    /** Not an insert: sets a session's end; idempotent as it is. */
    SESSION_ENDS(2, "UPDATE sessions SET end_epoch_ns = ? WHERE id = ?");

    private final int width;
    private final String sql;

    Table(String name, String... columns) {
        this.width = columns.length;
        // "ON DUPLICATE KEY UPDATE k = k" rather than INSERT IGNORE: a duplicate key is skipped,
        // but every other error (a value too long, a privilege missing) still fails the batch.
        this.sql = "INSERT INTO " + name + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", Collections.nCopies(columns.length, "?")) + ") ON DUPLICATE KEY UPDATE "
                + columns[0] + " = " + columns[0];
    }

    Table(int width, String sql) {
        this.width = width;
        this.sql = sql;
    }

    int width() {
        return width;
    }

    String sql() {
        return sql;
    }
}
