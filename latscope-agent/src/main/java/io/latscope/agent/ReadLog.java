package io.latscope.agent;

import java.util.Arrays;

/**
 * The marker bytes an application read from one flow, and when, for a marker timeout:
 * the joiner's check that a sighting of a byte already read is a retransmitted copy, not
 * a marker of its own. An application reads a flow's bytes in order, so positions arrive
 * ascending and the log is a ring of (position, time) pairs: appended at the tail, looked
 * up by binary search, expired from the head. That replaces a {@code LinkedHashMap<Long,
 * Long>} (a node and two boxes per marker read; at 50 000 markers a second per direction
 * in a ping-pong, a hundred thousand nodes per flow over the default timeout). A position
 * at or below the newest (never seen: it would be a byte read twice) is inserted in its
 * place all the same. Not thread-safe.
 */
final class ReadLog {
    private long[] positions = new long[16];
    private long[] times = new long[16];
    /** Index of the oldest entry; entries are head .. head+size-1, modulo the length. */
    private int head;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Records that the byte at {@code position} was read at {@code nanos}. */
    void add(long position, long nanos) {
        if (size == positions.length) {
            resize(positions.length * 2);
        }
        int mask = positions.length - 1;
        int i = size;
        // ascending positions: the new one goes at the tail, or (never seen) walks back to its place
        while (i > 0 && positions[(head + i - 1) & mask] >= position) {
            if (positions[(head + i - 1) & mask] == position) {
                times[(head + i - 1) & mask] = nanos; // read again: the later time
                return;
            }
            positions[(head + i) & mask] = positions[(head + i - 1) & mask];
            times[(head + i) & mask] = times[(head + i - 1) & mask];
            i--;
        }
        positions[(head + i) & mask] = position;
        times[(head + i) & mask] = nanos;
        size++;
    }

    /** When the byte at {@code position} was read, or {@link Long#MIN_VALUE} when it is not in the log. */
    long readAt(long position) {
        if (size == 0) {
            return Long.MIN_VALUE;
        }
        int mask = positions.length - 1;
        if (position < positions[head] || position > positions[(head + size - 1) & mask]) {
            return Long.MIN_VALUE;
        }
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long p = positions[(head + mid) & mask];
            if (p < position) {
                lo = mid + 1;
            } else if (p > position) {
                hi = mid - 1;
            } else {
                return times[(head + mid) & mask];
            }
        }
        return Long.MIN_VALUE;
    }

    /** Forgets the oldest entries read more than {@code timeoutNanos} before {@code nowNanos}, up to the first read since. */
    void expire(long nowNanos, long timeoutNanos) {
        int mask = positions.length - 1;
        while (size > 0 && nowNanos - times[head] > timeoutNanos) {
            head = (head + 1) & mask;
            size--;
        }
        if (size == 0) {
            head = 0;
        }
        int capacity = positions.length;
        while (capacity > 16 && size * 8 < capacity) {
            capacity /= 2; // after a burst: give the memory back
        }
        if (capacity != positions.length) {
            resize(capacity);
        }
    }

    private void resize(int capacity) {
        long[] p = new long[capacity];
        long[] t = new long[capacity];
        int mask = positions.length - 1;
        for (int i = 0; i < size; i++) {
            p[i] = positions[(head + i) & mask];
            t[i] = times[(head + i) & mask];
        }
        positions = p;
        times = t;
        head = 0;
    }

    /** For tests: the ring's length. */
    int capacity() {
        return positions.length;
    }

    @Override
    public String toString() {
        long[] p = new long[size];
        for (int i = 0; i < size; i++) {
            p[i] = positions[(head + i) & (positions.length - 1)];
        }
        return "ReadLog" + Arrays.toString(p);
    }
}
