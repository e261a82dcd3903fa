package io.latscope.store.mysql;

import io.latscope.MarkerRecord;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code markers.stamps} column: a marker's timestamps in path order, as a 4-byte count
 * then, per stamp, the point in Java's modified UTF-8 ({@link DataOutputStream#writeUTF}), a
 * byte 1 and the scope in the same form (byte 0 when there is no scope), and the timestamp
 * as an 8-byte big-endian long. Binary, because points and scopes are
 * free text that no separator could be trusted with.
 */
final class MarkerStamps {
    private MarkerStamps() {
    }

    static byte[] encode(List<MarkerRecord.Stamp> stamps) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4 + stamps.size() * 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(stamps.size());
            for (MarkerRecord.Stamp s : stamps) {
                out.writeUTF(s.point().label());
                out.writeBoolean(s.scope() != null);
                if (s.scope() != null) {
                    out.writeUTF(s.scope());
                }
                out.writeLong(s.nanos());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<MarkerRecord.Stamp> decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int n = in.readInt();
            List<MarkerRecord.Stamp> stamps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String point = in.readUTF();
                String scope = in.readBoolean() ? in.readUTF() : null;
                stamps.add(new MarkerRecord.Stamp(io.latscope.Point.parse(point), scope, in.readLong()));
            }
            return stamps;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt markers.stamps value", e);
        }
    }
}
