package io.latscope.transport;

import io.latscope.FlowKey;
import org.HdrHistogram.Histogram;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;

/** Compact binary building blocks shared by the record codecs (big-endian, length-prefixed). */
final class Wire {
    private Wire() {
    }

    static void string(DataOutputStream out, String s) throws IOException {
        out.writeUTF(s == null ? "" : s);
    }

    static String string(DataInputStream in) throws IOException {
        return in.readUTF();
    }

    static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (64 << 20)) {
            throw new IOException("corrupt record: length " + n);
        }
        return in.readNBytes(n);
    }

    static void address(DataOutputStream out, InetAddress a) throws IOException {
        byte[] b = a.getAddress();
        out.writeByte(b.length);
        out.write(b);
    }

    static InetAddress address(DataInputStream in) throws IOException {
        int n = in.readUnsignedByte();
        if (n != 4 && n != 16) {
            throw new IOException("corrupt record: address of " + n + " bytes");
        }
        return InetAddress.getByAddress(in.readNBytes(n));
    }

    static void flow(DataOutputStream out, FlowKey f) throws IOException {
        address(out, f.src());
        out.writeShort(f.srcPort());
        address(out, f.dst());
        out.writeShort(f.dstPort());
    }

    static FlowKey flow(DataInputStream in) throws IOException {
        InetAddress src = address(in);
        int sp = in.readUnsignedShort();
        InetAddress dst = address(in);
        int dp = in.readUnsignedShort();
        return new FlowKey(src, sp, dst, dp);
    }

    static void map(DataOutputStream out, Map<String, String> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            string(out, e.getKey());
            string(out, e.getValue());
        }
    }

    static Map<String, String> map(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(string(in), string(in));
        }
        return m;
    }

    /** HdrHistogram's own compressed encoding. */
    static void histogram(DataOutputStream out, Histogram h) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        out.writeInt(n);
        out.write(buf.array(), 0, n);
    }

    static Histogram histogram(DataInputStream in) throws IOException {
        byte[] b = bytes(in);
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(b), 0);
        } catch (DataFormatException e) {
            throw new IOException("corrupt histogram: " + e.getMessage(), e);
        }
    }
}
