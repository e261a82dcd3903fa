package io.latscope.transport;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** {@link AgentRecord}s as a type byte and a payload. */
final class RecordCodec {
    static final byte HELLO = 1, INTERVAL = 2, MARKERS = 3, BYE = 4, LOST = 5, OUTAGE = 6;

    private RecordCodec() {
    }

    static byte type(AgentRecord r) {
        return switch (r) {
            case AgentRecord.Hello h -> HELLO;
            case AgentRecord.Interval i -> INTERVAL;
            case AgentRecord.Markers m -> MARKERS;
            case AgentRecord.Bye b -> BYE;
            case AgentRecord.Lost l -> LOST;
            case AgentRecord.Outage o -> OUTAGE;
        };
    }

    static byte[] payload(AgentRecord r) {
        return switch (r) {
            case AgentRecord.Interval i -> ReportCodec.encode(i.report());
            case AgentRecord.Markers m -> MarkerPart.encode(m.parts());
            case AgentRecord.Hello h -> strings(out -> {
                Wire.string(out, h.host());
                out.writeLong(h.netnsInode());
                Wire.string(out, h.kernel());
                Wire.map(out, h.unavailable());
                Wire.map(out, h.socketBoundaries());
                out.writeLong(h.armedNanos()); // last: a controller of before it stops reading earlier
            });
            case AgentRecord.Bye b -> strings(out -> Wire.string(out, b.reason()));
            case AgentRecord.Lost l -> strings(out -> {
                out.writeLong(l.records());
                out.writeLong(l.intervals());
                out.writeLong(l.markerParts());
                Wire.string(out, l.reason());
            });
            case AgentRecord.Outage o -> strings(out -> {
                out.writeLong(o.startMillis());
                out.writeLong(o.endMillis());
                out.writeLong(o.kept());
                out.writeLong(o.spilled());
                Wire.string(out, o.cause());
            });
        };
    }

    static AgentRecord decode(byte type, byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        return switch (type) {
            case INTERVAL -> new AgentRecord.Interval(ReportCodec.decode(payload));
            case MARKERS -> new AgentRecord.Markers(MarkerPart.decode(payload));
            case HELLO -> new AgentRecord.Hello(Wire.string(in), in.readLong(), Wire.string(in), Wire.map(in), Wire.map(in),
                    in.available() >= Long.BYTES ? in.readLong() : AgentRecord.Hello.UNKNOWN_ARM);
            case BYE -> new AgentRecord.Bye(Wire.string(in));
            case LOST -> new AgentRecord.Lost(in.readLong(), in.readLong(), in.readLong(), Wire.string(in));
            case OUTAGE -> new AgentRecord.Outage(in.readLong(), in.readLong(), in.readLong(), in.readLong(), Wire.string(in));
            default -> throw new IOException("unknown record type " + type);
        };
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] strings(Writer w) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bo);
            w.write(out);
            out.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
