package io.latscope.store.mysql;

import java.util.List;

/**
 * The first schema, frozen: later versions change it only through new migrations. Times
 * are epoch nanoseconds (lossless and free of time-zone settings); key columns compare
 * byte-wise ({@code utf8mb4_bin}), so labels differing only in case stay distinct. Rows
 * carry the keys the writer assigns when data is handed over, so a retried batch lands on
 * the same keys and is never stored twice. No foreign keys: the writer orders its batches,
 * and a session's rows can be deleted table by table.
 */
final class SchemaV1 {
    static final String TABLE_OPTIONS = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    private SchemaV1() {
    }

    static final List<String> DDL = List.of(
            """
            CREATE TABLE IF NOT EXISTS sessions (
              id VARCHAR(64) NOT NULL,
              label TEXT NULL,
              start_epoch_ns BIGINT NOT NULL,
              end_epoch_ns BIGINT NULL,
              spec MEDIUMTEXT NULL,
              PRIMARY KEY (id),
              KEY sessions_by_start (start_epoch_ns))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS hosts (
              session_id VARCHAR(64) NOT NULL,
              label VARCHAR(255) NOT NULL,
              idx INT NOT NULL,
              address TEXT NULL,
              kind VARCHAR(16) NOT NULL,
              parent TEXT NULL,
              PRIMARY KEY (session_id, label))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS host_interfaces (
              session_id VARCHAR(64) NOT NULL,
              host_label VARCHAR(255) NOT NULL,
              idx INT NOT NULL,
              name TEXT NOT NULL,
              PRIMARY KEY (session_id, host_label, idx))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS flows (
              session_id VARCHAR(64) NOT NULL,
              flow_id BIGINT NOT NULL COMMENT 'hash of the 4-tuple',
              src VARCHAR(64) NOT NULL,
              src_port INT NOT NULL,
              dst VARCHAR(64) NOT NULL,
              dst_port INT NOT NULL,
              PRIMARY KEY (session_id, flow_id))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS intervals (
              session_id VARCHAR(64) NOT NULL,
              seq INT NOT NULL,
              start_epoch_ns BIGINT NOT NULL,
              end_epoch_ns BIGINT NOT NULL,
              markers_matched BIGINT NOT NULL,
              markers_incomplete BIGINT NOT NULL,
              markers_retransmitted BIGINT NOT NULL,
              ring_buffer_drops BIGINT NOT NULL,
              events_received BIGINT NOT NULL,
              PRIMARY KEY (session_id, seq))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS point_counters (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              point VARCHAR(255) NOT NULL,
              markers BIGINT NOT NULL,
              PRIMARY KEY (session_id, interval_seq, point))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS hop_histograms (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              flow_id BIGINT NOT NULL COMMENT '0: all flows together',
              hop VARCHAR(255) NOT NULL,
              idx INT NOT NULL,
              total_count BIGINT NOT NULL,
              p50_ns BIGINT NOT NULL,
              p90_ns BIGINT NOT NULL,
              p99_ns BIGINT NOT NULL,
              max_ns BIGINT NOT NULL,
              histogram MEDIUMBLOB NOT NULL COMMENT 'HdrHistogram compressed encoding, nanoseconds',
              PRIMARY KEY (session_id, interval_seq, flow_id, hop))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS flow_stats (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              idx INT NOT NULL,
              flow_id BIGINT NOT NULL,
              label TEXT NULL,
              bytes BIGINT NOT NULL,
              segments BIGINT NOT NULL,
              retransmitted_segments BIGINT NOT NULL,
              throughput_bps DOUBLE NULL,
              loss_rate DOUBLE NULL,
              PRIMARY KEY (session_id, interval_seq, idx))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS process_stats (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              idx INT NOT NULL,
              host TEXT NOT NULL,
              pid BIGINT NOT NULL,
              command TEXT NULL,
              flow_id BIGINT NULL,
              cpu_percent DOUBLE NULL,
              rss_bytes BIGINT NOT NULL,
              PRIMARY KEY (session_id, interval_seq, idx))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS clock_estimates (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              idx INT NOT NULL,
              host TEXT NOT NULL,
              reference_host TEXT NOT NULL,
              at_epoch_ns BIGINT NOT NULL,
              anchor_ns BIGINT NOT NULL,
              offset_ns BIGINT NOT NULL,
              drift_ppb DOUBLE NULL,
              error_bound_ns BIGINT NOT NULL,
              probes_used INT NOT NULL,
              PRIMARY KEY (session_id, interval_seq, idx))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS probe_costs (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              idx INT NOT NULL,
              program_name TEXT NOT NULL,
              attach_point TEXT NOT NULL,
              runs BIGINT NOT NULL,
              mean_ns DOUBLE NULL,
              PRIMARY KEY (session_id, interval_seq, idx))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS unavailable_hops (
              session_id VARCHAR(64) NOT NULL,
              interval_seq INT NOT NULL,
              idx INT NOT NULL,
              hop VARCHAR(255) NOT NULL,
              reason TEXT NOT NULL,
              PRIMARY KEY (session_id, interval_seq, idx))""" + TABLE_OPTIONS,
            """
            CREATE TABLE IF NOT EXISTS markers (
              session_id VARCHAR(64) NOT NULL,
              record_no BIGINT NOT NULL,
              flow_id BIGINT NOT NULL,
              tcp_seq BIGINT NOT NULL,
              retransmitted BOOLEAN NOT NULL,
              stamp_count INT NOT NULL,
              first_ns BIGINT NULL,
              last_ns BIGINT NULL,
              stamps BLOB NOT NULL COMMENT 'see MarkerStamps',
              PRIMARY KEY (session_id, record_no))""" + TABLE_OPTIONS);
}
