package io.latscope.bpf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How a Java value is laid out as a BPF map key or value (native byte order, as the
 * kernel stores it).
 */
public interface MapCodec<T> {
    /** Size in bytes. */
    int size();

    T read(MemorySegment segment);

    void write(MemorySegment segment, T value);

    MapCodec<Integer> INT = new MapCodec<>() {
        public int size() {
            return 4;
        }

        public Integer read(MemorySegment s) {
            return s.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        }

        public void write(MemorySegment s, Integer v) {
            s.set(ValueLayout.JAVA_INT_UNALIGNED, 0, v);
        }
    };

    MapCodec<Long> LONG = new MapCodec<>() {
        public int size() {
            return 8;
        }

        public Long read(MemorySegment s) {
            return s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        }

        public void write(MemorySegment s, Long v) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, v);
        }
    };

    MapCodec<Short> SHORT = new MapCodec<>() {
        public int size() {
            return 2;
        }

        public Short read(MemorySegment s) {
            return s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
        }

        public void write(MemorySegment s, Short v) {
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, v);
        }
    };

    /** Raw bytes of a fixed size (a C struct the caller encodes itself). */
    static MapCodec<byte[]> bytes(int size) {
        return new MapCodec<>() {
            public int size() {
                return size;
            }

            public byte[] read(MemorySegment s) {
                return s.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
            }

            public void write(MemorySegment s, byte[] v) {
                if (v.length != size) {
                    throw new IllegalArgumentException("expected " + size + " bytes, got " + v.length);
                }
                MemorySegment.copy(MemorySegment.ofArray(v), 0, s, 0, size);
            }

            @Override
            public String toString() {
                return "bytes(" + size + ")";
            }
        };
    }
}
