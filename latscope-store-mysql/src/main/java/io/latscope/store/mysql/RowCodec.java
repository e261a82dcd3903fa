package io.latscope.store.mysql;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Row sets as bytes, for the spill file: item count, row count, then per row the table and
 * each value with a one-byte type tag. Table numbers are only meaningful to the same table
 * layout, so spill files start with {@link #layout()} and one with another layout is not read.
 */
final class RowCodec {
    private static final byte NULL = 0, LONG = 1, INT = 2, DOUBLE = 3, BOOLEAN = 4, STRING = 5, BYTES = 6;
    private static final Table[] TABLES = Table.values();

    private RowCodec() {
    }

    /** Identifies the table layout (names, order and widths) a spill file was written with. */
    static long layout() {
        long h = 1125899906842597L;
        for (Table t : TABLES) {
            for (char ch : (t.name() + "/" + t.width() + ";").toCharArray()) {
                h = 31 * h + ch;
            }
        }
        return h;
    }

    static byte[] encode(RowSet set) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE, set.estimatedBytes()));
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(set.items());
        out.writeInt(set.rows().size());
        for (Row r : set.rows()) {
            out.writeByte(r.table().ordinal());
            for (Object v : r.values()) {
                write(out, v);
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    static RowSet decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int items = in.readInt();
        int n = in.readInt();
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Table t = TABLES[in.readUnsignedByte()];
            Object[] values = new Object[t.width()];
            for (int j = 0; j < values.length; j++) {
                values[j] = read(in);
            }
            rows.add(new Row(t, values));
        }
        return RowSet.of(items, rows);
    }

    private static void write(DataOutputStream out, Object v) throws IOException {
        switch (v) {
            case null -> out.writeByte(NULL);
            case Long l -> {
                out.writeByte(LONG);
                out.writeLong(l);
            }
            case Integer i -> {
                out.writeByte(INT);
                out.writeInt(i);
            }
            case Double d -> {
                out.writeByte(DOUBLE);
                out.writeDouble(d);
            }
            case Boolean b -> {
                out.writeByte(BOOLEAN);
                out.writeBoolean(b);
            }
            case String s -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.writeByte(STRING);
                out.writeInt(b.length);
                out.write(b);
            }
            case byte[] b -> {
                out.writeByte(BYTES);
                out.writeInt(b.length);
                out.write(b);
            }
            default -> throw new IllegalArgumentException("no column type for " + v.getClass());
        }
    }

    private static Object read(DataInputStream in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case LONG -> in.readLong();
            case INT -> in.readInt();
            case DOUBLE -> in.readDouble();
            case BOOLEAN -> in.readBoolean();
            case STRING -> new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            case BYTES -> in.readNBytes(in.readInt());
            default -> throw new IOException("corrupt spill entry: value tag " + tag);
        };
    }
}
