package io.latscope.transport;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link LatencyReport} as bytes and back, losslessly (histograms in HdrHistogram's
 * compressed encoding). Used by agents to ship interval reports to the controller.
 */
public final class ReportCodec {
    private static final int VERSION = 1;

    private ReportCodec() {
    }

    public static byte[] encode(LatencyReport r) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream(4096);
            DataOutputStream out = new DataOutputStream(bo);
            out.writeByte(VERSION);
            Wire.string(out, r.sessionId());
            out.writeLong(r.start().getEpochSecond());
            out.writeInt(r.start().getNano());
            out.writeLong(r.end().getEpochSecond());
            out.writeInt(r.end().getNano());
            out.writeBoolean(r.isInterval());
            hops(out, r.hops());
            out.writeInt(r.hopsByFlow().size());
            for (Map.Entry<FlowKey, List<HopStats>> e : r.hopsByFlow().entrySet()) {
                Wire.flow(out, e.getKey());
                hops(out, e.getValue());
            }
            counters(out, r.counters());
            out.writeInt(r.probeCosts().size());
            for (ProbeCost c : r.probeCosts()) {
                Wire.string(out, c.program());
                Wire.string(out, c.attachPoint());
                out.writeLong(c.runs());
                out.writeDouble(c.meanNanos());
            }
            hopMap(out, r.unavailable());
            out.writeInt(r.flows().size());
            for (FlowStats f : r.flows()) {
                Wire.flow(out, f.flow());
                Wire.string(out, f.label());
                out.writeLong(f.bytes());
                out.writeLong(f.segments());
                out.writeLong(f.retransmittedSegments());
                out.writeDouble(f.throughputBitsPerSecond());
            }
            out.writeInt(r.processes().size());
            for (ProcessStats p : r.processes()) {
                Wire.string(out, p.host());
                out.writeLong(p.pid());
                Wire.string(out, p.command());
                out.writeBoolean(p.flow() != null);
                if (p.flow() != null) {
                    Wire.flow(out, p.flow());
                }
                out.writeDouble(p.cpuPercent());
                out.writeLong(p.rssBytes());
            }
            out.writeInt(r.clocks().size());
            for (ClockEstimate c : r.clocks()) {
                Wire.string(out, c.host());
                Wire.string(out, c.reference());
                out.writeLong(c.at().toEpochMilli());
                out.writeLong(c.anchorNanos());
                out.writeLong(c.offsetNanos());
                out.writeDouble(c.driftPpb());
                out.writeLong(c.errorBoundNanos());
                out.writeInt(c.probesUsed());
            }
            hopMap(out, r.soleScopes());
            out.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static LatencyReport decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int v = in.readUnsignedByte();
        if (v != VERSION) {
            throw new IOException("unknown report encoding version " + v);
        }
        LatencyReport.Builder b = LatencyReport.builder(Wire.string(in));
        Instant start = Instant.ofEpochSecond(in.readLong(), in.readInt());
        Instant end = Instant.ofEpochSecond(in.readLong(), in.readInt());
        b.period(start, end).interval(in.readBoolean());
        int nh = in.readInt();
        for (int i = 0; i < nh; i++) {
            b.takeHop(Hop.parse(Wire.string(in)), Wire.histogram(in));
        }
        int nf = in.readInt();
        for (int i = 0; i < nf; i++) {
            FlowKey f = Wire.flow(in);
            int n = in.readInt();
            for (int k = 0; k < n; k++) {
                b.takeFlowHop(f, Hop.parse(Wire.string(in)), Wire.histogram(in));
            }
        }
        b.counters(counters(in));
        int nc = in.readInt();
        for (int i = 0; i < nc; i++) {
            b.probeCost(new ProbeCost(Wire.string(in), Wire.string(in), in.readLong(), in.readDouble()));
        }
        hopMap(in).forEach(b::unavailable);
        int nfl = in.readInt();
        for (int i = 0; i < nfl; i++) {
            b.flow(new FlowStats(Wire.flow(in), Wire.string(in), in.readLong(), in.readLong(), in.readLong(), in.readDouble()));
        }
        int np = in.readInt();
        for (int i = 0; i < np; i++) {
            String host = Wire.string(in);
            long pid = in.readLong();
            String cmd = Wire.string(in);
            FlowKey f = in.readBoolean() ? Wire.flow(in) : null;
            b.process(new ProcessStats(host, pid, cmd, f, in.readDouble(), in.readLong()));
        }
        int ncl = in.readInt();
        for (int i = 0; i < ncl; i++) {
            b.clock(new ClockEstimate(Wire.string(in), Wire.string(in), Instant.ofEpochMilli(in.readLong()), in.readLong(),
                    in.readLong(), in.readDouble(), in.readLong(), in.readInt()));
        }
        hopMap(in).forEach(b::soleScope);
        return b.build();
    }

    private static void hops(DataOutputStream out, List<HopStats> hops) throws IOException {
        out.writeInt(hops.size());
        for (HopStats h : hops) {
            Wire.string(out, h.hop().toString());
            Wire.histogram(out, h.histogram());
        }
    }

    private static void counters(DataOutputStream out, Counters c) throws IOException {
        longMap(out, c.markersPerPoint());
        out.writeLong(c.markersMatched());
        out.writeLong(c.markersIncomplete());
        out.writeLong(c.markersRetransmitted());
        out.writeLong(c.ringBufferDrops());
        out.writeLong(c.eventsReceived());
        out.writeLong(c.markersExpired());
        out.writeLong(c.markersOverflow());
        out.writeLong(c.markersUnobservable());
        longMap(out, c.missingPoints());
        longMap(out, c.dropsPerPoint());
        out.writeLong(c.markersPending());
    }

    private static Counters counters(DataInputStream in) throws IOException {
        Map<String, Long> pp = longMap(in);
        long matched = in.readLong(), incomplete = in.readLong(), retransmitted = in.readLong(), drops = in.readLong(),
                events = in.readLong(), expired = in.readLong(), overflow = in.readLong(), unobservable = in.readLong();
        Map<String, Long> missing = longMap(in);
        Map<String, Long> dropsPerPoint = longMap(in);
        return new Counters(pp, matched, incomplete, retransmitted, drops, events, expired, overflow, unobservable,
                missing, dropsPerPoint, in.readLong());
    }

    private static void longMap(DataOutputStream out, Map<String, Long> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, Long> e : m.entrySet()) {
            Wire.string(out, e.getKey());
            out.writeLong(e.getValue());
        }
    }

    private static Map<String, Long> longMap(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(Wire.string(in), in.readLong());
        }
        return m;
    }

    /** A map keyed by hop, as {@link Wire#map} with the hops' names as keys. */
    private static void hopMap(DataOutputStream out, Map<Hop, String> m) throws IOException {
        Map<String, String> byName = new LinkedHashMap<>();
        m.forEach((h, v) -> byName.put(h.toString(), v));
        Wire.map(out, byName);
    }

    private static Map<Hop, String> hopMap(DataInputStream in) throws IOException {
        Map<Hop, String> byHop = new LinkedHashMap<>();
        Wire.map(in).forEach((h, v) -> byHop.put(Hop.parse(h), v));
        return byHop;
    }
}
