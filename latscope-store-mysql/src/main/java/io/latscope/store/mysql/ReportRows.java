package io.latscope.store.mysql;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.error.ConfigurationException;
import io.latscope.store.HostInfo;
import io.latscope.MarkerRecord;
import io.latscope.store.SessionInfo;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

/**
 * Turns what a session hands over into rows, on the caller's thread: histograms are
 * encoded here (HdrHistogram's compressed encoding: hundreds of bytes where a live histogram
 * holds tens of kilobytes of counts), so buffered and spilled data stays small.
 */
final class ReportRows {
    static final int MAX_SESSION_ID = 64;
    static final int MAX_KEY_TEXT = 255;
    private static final ThreadLocal<ByteBuffer> ENCODE_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(0));

    private ReportRows() {
    }

    static RowSet sessionStarted(SessionInfo s) {
        text("session id", s.id(), MAX_SESSION_ID);
        List<Row> rows = new ArrayList<>();
        rows.add(Row.of(Table.SESSIONS, s.id(), s.label(), epochNanos(s.start()), s.end() == null ? null : epochNanos(s.end()),
                s.spec()));
        for (int i = 0; i < s.hosts().size(); i++) {
            HostInfo h = s.hosts().get(i);
            text("host label", h.label(), MAX_KEY_TEXT);
            rows.add(Row.of(Table.HOSTS, s.id(), h.label(), i, h.address(), h.kind().name(), h.parent()));
            for (int j = 0; j < h.interfaces().size(); j++) {
                rows.add(Row.of(Table.HOST_INTERFACES, s.id(), h.label(), j, h.interfaces().get(j)));
            }
        }
        return RowSet.of(1, rows);
    }

    static RowSet sessionEnded(String sessionId, Instant end) {
        return RowSet.of(1, List.of(Row.of(Table.SESSION_ENDS, epochNanos(end), sessionId)));
    }

    static RowSet interval(SessionKeys keys, int seq, LatencyReport r) {
        String id = keys.sessionId();
        List<Row> rows = new ArrayList<>();
        Counters c = r.counters();
        rows.add(Row.of(Table.INTERVALS, id, seq, epochNanos(r.start()), epochNanos(r.end()), c.markersMatched(),
                c.markersIncomplete(), c.markersRetransmitted(), c.ringBufferDrops(), c.eventsReceived(),
                c.markersExpired(), c.markersOverflow(), c.markersUnobservable(), c.markersPending()));
        for (Map.Entry<String, Long> e : c.markersPerPoint().entrySet()) {
            rows.add(Row.of(Table.POINT_COUNTERS, id, seq, text("probe point", e.getKey(), MAX_KEY_TEXT), e.getValue()));
        }
        for (Map.Entry<String, Long> e : c.missingPoints().entrySet()) {
            rows.add(Row.of(Table.QUALITY_COUNTERS, id, seq, "missing", text("missing points", e.getKey(), MAX_KEY_TEXT),
                    e.getValue()));
        }
        for (Map.Entry<String, Long> e : c.dropsPerPoint().entrySet()) {
            rows.add(Row.of(Table.QUALITY_COUNTERS, id, seq, "drops", text("probe point", e.getKey(), MAX_KEY_TEXT),
                    e.getValue()));
        }
        hops(rows, id, seq, 0, r.hops());
        for (Map.Entry<FlowKey, List<HopStats>> e : r.hopsByFlow().entrySet()) {
            hops(rows, id, seq, keys.flowId(e.getKey(), rows), e.getValue());
        }
        for (int i = 0; i < r.flows().size(); i++) {
            FlowStats f = r.flows().get(i);
            rows.add(Row.of(Table.FLOW_STATS, id, seq, i, keys.flowId(f.flow(), rows), f.label(), f.bytes(), f.segments(),
                    f.retransmittedSegments(), f.throughputBitsPerSecond(), f.lossRate()));
        }
        for (int i = 0; i < r.processes().size(); i++) {
            ProcessStats p = r.processes().get(i);
            rows.add(Row.of(Table.PROCESS_STATS, id, seq, i, p.host(), p.pid(), p.command(),
                    p.flow() == null ? null : keys.flowId(p.flow(), rows), p.cpuPercent(), p.rssBytes()));
        }
        for (int i = 0; i < r.clocks().size(); i++) {
            ClockEstimate k = r.clocks().get(i);
            rows.add(Row.of(Table.CLOCK_ESTIMATES, id, seq, i, k.host(), k.reference(), epochNanos(k.at()), k.anchorNanos(),
                    k.offsetNanos(), k.driftPpb(), k.errorBoundNanos(), k.probesUsed()));
        }
        for (int i = 0; i < r.probeCosts().size(); i++) {
            ProbeCost p = r.probeCosts().get(i);
            rows.add(Row.of(Table.PROBE_COSTS, id, seq, i, p.program(), p.attachPoint(), p.runs(), p.meanNanos()));
        }
        int i = 0;
        for (Map.Entry<Hop, String> e : r.unavailable().entrySet()) {
            rows.add(Row.of(Table.UNAVAILABLE_HOPS, id, seq, i++, hopText(e.getKey()), e.getValue()));
        }
        for (Map.Entry<Hop, String> e : r.soleScopes().entrySet()) {
            rows.add(Row.of(Table.SOLE_SCOPES, id, seq, hopText(e.getKey()), e.getValue()));
        }
        r.health().ifPresent(h -> {
            rows.add(Row.of(Table.INTERVAL_HEALTH, id, seq, h.state().name(), epochNanos(h.since())));
            for (int k = 0; k < h.causes().size(); k++) {
                rows.add(Row.of(Table.HEALTH_CAUSES, id, seq, k, h.causes().get(k)));
            }
            h.lost().forEach((host, l) -> rows.add(Row.of(Table.HEALTH_LOSSES, id, seq, text("host label", host, MAX_KEY_TEXT),
                    l.records(), l.intervals(), l.markerParts(), l.reason())));
        });
        return RowSet.of(1, rows);
    }

    static RowSet markers(SessionKeys keys, long firstRecordNo, List<MarkerRecord> records) {
        List<Row> rows = new ArrayList<>(records.size() + 4);
        long no = firstRecordNo;
        for (MarkerRecord m : records) {
            List<MarkerRecord.Stamp> st = m.stamps();
            rows.add(Row.of(Table.MARKERS, keys.sessionId(), no++, keys.flowId(m.flow(), rows), m.sequence(), m.retransmitted(),
                    st.size(), st.isEmpty() ? null : st.getFirst().nanos(), st.isEmpty() ? null : st.getLast().nanos(),
                    MarkerStamps.encode(st)));
        }
        return RowSet.of(records.size(), rows);
    }

    private static void hops(List<Row> rows, String id, int seq, long flowId, List<HopStats> hops) {
        for (int i = 0; i < hops.size(); i++) {
            HopStats h = hops.get(i);
            Histogram hist = h.histogram();
            boolean empty = hist.getTotalCount() == 0;
            rows.add(Row.of(Table.HOP_HISTOGRAMS, id, seq, flowId, hopText(h.hop()), i, hist.getTotalCount(),
                    h.percentileNanos(50), h.percentileNanos(90), h.percentileNanos(99), h.maxNanos(),
                    empty ? 0L : hist.getMinValue(), empty ? 0.0 : hist.getMean(), encode(hist)));
        }
    }

    /**
     * HdrHistogram's compressed encoding. The target must be as large as the whole counts
     * array, so one buffer per thread is reused; the fastest deflate level halves the
     * encoding time for a few percent more bytes.
     */
    static byte[] encode(Histogram h) {
        int needed = h.getNeededByteBufferCapacity();
        ByteBuffer buf = ENCODE_BUFFER.get();
        if (buf.capacity() < needed) {
            buf = ByteBuffer.allocate(needed);
            ENCODE_BUFFER.set(buf);
        }
        buf.clear();
        int len = h.encodeIntoCompressedByteBuffer(buf, Deflater.BEST_SPEED);
        return Arrays.copyOf(buf.array(), len);
    }

    static long epochNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }

    private static String hopText(Hop h) {
        return text("hop", h.toString(), MAX_KEY_TEXT);
    }

    /** Key columns have a fixed width; a longer value would fail every retry, so refuse it now. */
    private static String text(String what, String value, int max) {
        if (value == null || value.isEmpty() || value.length() > max) {
            throw new ConfigurationException(what + " must be 1 to " + max + " characters for the MySQL store, got "
                    + (value == null ? "null" : value.length() + ": '" + value.substring(0, Math.min(40, value.length())) + "...'"));
        }
        return value;
    }
}
