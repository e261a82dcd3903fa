package io.latscope.transport;

import io.latscope.FlowKey;
import io.latscope.agent.ProbePoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of a marker's path one host saw (a marker that left or entered the host): its
 * stamps in time order on that host's clock. The controller joins the sender's and the
 * receiver's parts into the whole path.
 */
public record MarkerPart(FlowKey flow, long sequence, boolean retransmitted, List<ProbePoint> points, long[] nanos) {

    public MarkerPart {
        points = List.copyOf(points);
        if (points.size() != nanos.length) {
            throw new IllegalArgumentException("points and stamps differ in number");
        }
    }

    public ProbePoint firstPoint() {
        return points.getFirst();
    }

    public ProbePoint lastPoint() {
        return points.getLast();
    }

    public long firstNanos() {
        return nanos[0];
    }

    public long lastNanos() {
        return nanos[nanos.length - 1];
    }

    /** True for the sending side (the path starts with a transmit point). */
    public boolean isSending() {
        return firstPoint().isTx();
    }

    public static byte[] encode(List<MarkerPart> parts) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream(64 + parts.size() * 120);
            DataOutputStream out = new DataOutputStream(bo);
            out.writeInt(parts.size());
            for (MarkerPart p : parts) {
                Wire.flow(out, p.flow());
                out.writeInt((int) p.sequence());
                out.writeBoolean(p.retransmitted());
                out.writeByte(p.points().size());
                long prev = 0;
                for (int i = 0; i < p.points().size(); i++) {
                    out.writeByte(p.points().get(i).ordinal());
                    out.writeLong(p.nanos()[i] - prev); // deltas: small after the first
                    prev = p.nanos()[i];
                }
            }
            out.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<MarkerPart> decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int n = in.readInt();
        List<MarkerPart> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            FlowKey f = Wire.flow(in);
            long seq = Integer.toUnsignedLong(in.readInt());
            boolean retrans = in.readBoolean();
            int k = in.readUnsignedByte();
            List<ProbePoint> pts = new ArrayList<>(k);
            long[] ts = new long[k];
            long prev = 0;
            for (int j = 0; j < k; j++) {
                int id = in.readUnsignedByte();
                if (id >= ProbePoint.values().length) {
                    throw new IOException("corrupt marker record: point " + id);
                }
                pts.add(ProbePoint.of(id));
                prev += in.readLong();
                ts[j] = prev;
            }
            out.add(new MarkerPart(f, seq, retrans, pts, ts));
        }
        return out;
    }
}
