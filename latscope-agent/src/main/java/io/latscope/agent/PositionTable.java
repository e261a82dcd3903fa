package io.latscope.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * Entries keyed by a 64-bit position, kept in insertion order: what a
 * {@code LinkedHashMap<Long, E>} does for the joiner's markers in flight, without a boxed
 * key and a map node per marker. The table holds the entries themselves (open addressing,
 * linear probing, deletion by backward shift) and the order runs through the entries'
 * own links, so adding and removing an entry allocates nothing once the table has grown
 * (it shrinks only when {@link #trim()} is called).
 * Positions of markers are multiples of a power of two; a Fibonacci hash takes the
 * product's high bits, so they spread all the same. Not thread-safe.
 *
 * @param <E> the entries
 */
final class PositionTable<E extends PositionTable.Entry> {
    /** What the table holds: its key and its place in the insertion order. */
    abstract static class Entry {
        long position;
        Entry older;
        Entry newer;
        /** Whether the entry is in a table now: an entry is in at most one at a time. */
        boolean inTable;
    }

    private static final int MIN_CAPACITY = 16;

    private Entry[] slots = new Entry[MIN_CAPACITY];
    private int shift = 64 - Integer.numberOfTrailingZeros(MIN_CAPACITY);
    private int size;
    private Entry oldest;
    private Entry newest;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The entry at {@code position}, or null. */
    @SuppressWarnings("unchecked")
    E get(long position) {
        Entry[] s = slots;
        int mask = s.length - 1;
        for (int i = home(position); ; i = (i + 1) & mask) {
            Entry e = s[i];
            if (e == null) {
                return null;
            }
            if (e.position == position) {
                return (E) e;
            }
        }
    }

    /**
     * Adds {@code e} at its position, as the newest entry.
     *
     * @throws IllegalStateException when the entry is in a table already or another entry has its position
     */
    void add(E e) {
        if (e.inTable) {
            throw new IllegalStateException("already in a table: " + e.position);
        }
        if ((size + 1) * 2 > slots.length) {
            resize(slots.length * 2);
        }
        Entry[] s = slots;
        int mask = s.length - 1;
        int i = home(e.position);
        while (s[i] != null) {
            if (s[i].position == e.position) {
                throw new IllegalStateException("position taken: " + e.position);
            }
            i = (i + 1) & mask;
        }
        s[i] = e;
        size++;
        e.inTable = true;
        e.older = newest;
        e.newer = null;
        if (newest != null) {
            newest.newer = e;
        } else {
            oldest = e;
        }
        newest = e;
    }

    /** Removes {@code e}; an entry that is not in the table is left alone. @return whether it was in it */
    boolean remove(E e) {
        if (!e.inTable) {
            return false;
        }
        Entry[] s = slots;
        int mask = s.length - 1;
        int i = home(e.position);
        while (s[i] != e) {
            if (s[i] == null) {
                throw new IllegalStateException("entry at " + e.position + " not in this table");
            }
            i = (i + 1) & mask;
        }
        // backward shift: move each later entry of the probe run into the gap it may fill
        int gap = i;
        for (int j = (gap + 1) & mask; s[j] != null; j = (j + 1) & mask) {
            int h = home(s[j].position);
            // s[j] may move to the gap when its home is not cyclically within (gap, j]
            if (((j - h) & mask) >= ((j - gap) & mask)) {
                s[gap] = s[j];
                gap = j;
            }
        }
        s[gap] = null;
        size--;
        e.inTable = false;
        if (e.older != null) {
            e.older.newer = e.newer;
        } else {
            oldest = e.newer;
        }
        if (e.newer != null) {
            e.newer.older = e.older;
        } else {
            newest = e.older;
        }
        e.older = e.newer = null;
        return true;
    }

    /**
     * Gives back the memory of a burst (drops, a stalled drainer, a large message's markers
     * all in flight): halves the table while it is less than an eighth full. Called from the
     * joiner's expiry, not on every removal, so that a flow whose markers come and go in
     * bursts does not rebuild its table each time.
     */
    void trim() {
        int capacity = slots.length;
        while (capacity > MIN_CAPACITY && size * 8 < capacity) {
            capacity /= 2;
        }
        if (capacity != slots.length) {
            resize(capacity);
        }
    }

    /** The entry added first among those still in the table, or null. */
    @SuppressWarnings("unchecked")
    E oldest() {
        return (E) oldest;
    }

    /** The entries, oldest first (a copy: remove freely while walking it). */
    @SuppressWarnings("unchecked")
    List<E> inOrder() {
        List<E> out = new ArrayList<>(size);
        for (Entry e = oldest; e != null; e = e.newer) {
            out.add((E) e);
        }
        return out;
    }

    private int home(long position) {
        return (int) ((position * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private void resize(int capacity) {
        Entry[] old = slots;
        slots = new Entry[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        int mask = capacity - 1;
        for (Entry e : old) {
            if (e != null) {
                int i = home(e.position);
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = e;
            }
        }
    }

    /** For tests: the table's slot count. */
    int capacity() {
        return slots.length;
    }

    /** For tests: checks the links against the table. @throws IllegalStateException when they disagree */
    void check() {
        int n = 0;
        Entry prev = null;
        for (Entry e = oldest; e != null; e = e.newer, n++) {
            if (e.older != prev || get(e.position) != e) {
                throw new IllegalStateException("links broken at " + e.position);
            }
            prev = e;
        }
        if (n != size || newest != prev) {
            throw new IllegalStateException(n + " linked, size " + size);
        }
    }
}
