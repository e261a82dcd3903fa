package io.latscope.bpf;

import io.latscope.error.ConfigurationException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A BPF array map of 64-bit values created with {@code BPF_F_MMAPABLE}, mapped into this
 * process: its values are read without a system call (counters the agent polls often).
 * Read-only here; close it before the object.
 */
public final class MappedArray implements AutoCloseable {
    private static final int BPF_MAP_TYPE_ARRAY = 2;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final String name;
    private final MemorySegment values;
    private final int length;
    private final Leaks.Guard guard;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    private MappedArray(BpfMap map) {
        if (map.type() != BPF_MAP_TYPE_ARRAY || map.valueSize() != 8) {
            throw new ConfigurationException("map " + map.name() + " is not an array of 64-bit values (type " + map.type()
                    + ", value size " + map.valueSize() + ")");
        }
        this.name = map.name();
        this.length = map.maxEntries();
        long page = Native.pageSize();
        long bytes = ((long) length * 8 + page - 1) / page * page;
        MemorySegment m = Native.mmap(bytes, 0x1 /* PROT_READ */, map.fd(), 0, "array map " + name
                + " (created without BPF_F_MMAPABLE?)");
        this.values = m.asSlice(0, (long) length * 8);
        this.guard = Leaks.guard(this, "mapping of array map " + name, () -> Native.munmap(m));
    }

    /**
     * @param map a loaded array map of 64-bit values with {@code BPF_F_MMAPABLE}
     * @return its mapping
     */
    public static MappedArray open(BpfMap map) {
        return new MappedArray(map);
    }

    /** @return the number of values */
    public int length() {
        return length;
    }

    /**
     * @param index a value's index
     * @return the value as the kernel last wrote it
     */
    public long get(int index) {
        lock.lock(); // close() waits for a read under way rather than unmapping beneath it
        try {
            if (guard.isReleased()) {
                throw new IllegalStateException("mapping of array map " + name + " is closed");
            }
            return (long) LONG.getAcquire(values, (long) index * 8);
        } finally {
            lock.unlock();
        }
    }

    /** Unmaps the array, after any read under way; idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            guard.release();
        } finally {
            lock.unlock();
        }
    }
}
