package io.latscope.bpf;

import io.latscope.error.ConfigurationException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Consumer of a {@code BPF_MAP_TYPE_RINGBUF} that reads the memory-mapped ring directly
 * (no libbpf callback per record). Single consumer: one thread drains at a time. The
 * producer side should submit with {@code BPF_RB_NO_WAKEUP} and the consumer drain on a
 * timer; a wake-up per record costs microseconds inside the very paths being measured.
 *
 * <p>Layout (kernel ABI): page 0 = consumer position (we write), page 1 = producer
 * position (kernel writes), then the data area mapped twice in a row, so a record that
 * wraps around is still contiguous. Each record has an 8-byte header: length with the
 * busy (bit 31) and discard (bit 30) flags, and a page offset; records are 8-aligned.
 */
public final class RingBuffer implements AutoCloseable {
    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int HEADER = 8;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Receives one record: {@code length} bytes at {@code offset} in {@code data}, valid only during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(MemorySegment data, long offset, int length);
    }

    private final String name;
    private final MemorySegment consumerPage;
    private final MemorySegment producerPage;
    private final MemorySegment data;
    private final long mask;
    private final Leaks.Guard guard;
    private final java.util.concurrent.locks.ReentrantLock unmapLock = new java.util.concurrent.locks.ReentrantLock();
    private long consumerPos;

    private RingBuffer(BpfMap map) {
        if (map.type() != 27) {
            throw new ConfigurationException("map " + map.name() + " is not a ring buffer (type " + map.type() + ")");
        }
        this.name = map.name();
        long page = Native.pageSize();
        long size = map.maxEntries();
        int fd = map.fd();
        MemorySegment cons = Native.mmap(page, 0x1 | 0x2 /* PROT_READ|PROT_WRITE */, fd, 0, "ring buffer " + name);
        MemorySegment prod;
        try {
            prod = Native.mmap(page + 2 * size, 0x1 /* PROT_READ */, fd, page, "ring buffer " + name);
        } catch (RuntimeException e) {
            Native.munmap(cons);
            throw e;
        }
        this.consumerPage = cons;
        this.producerPage = prod;
        this.data = prod.asSlice(page, 2 * size);
        this.mask = size - 1;
        this.consumerPos = (long) LONG.getAcquire(consumerPage, 0L);
        this.guard = Leaks.guard(this, "ring buffer mapping of " + name, () -> {
            Native.munmap(cons);
            Native.munmap(prod);
        });
    }

    /** Maps the ring of a loaded object's ring buffer map. Close it before the object. */
    public static RingBuffer open(BpfMap map) {
        return new RingBuffer(map);
    }

    public String name() {
        return name;
    }

    /** Ring size in bytes. */
    public long capacity() {
        return mask + 1;
    }

    /** Bytes written by the producer and not yet consumed. */
    public long pendingBytes() {
        return whileMapped(() -> (long) LONG.getAcquire(producerPage, 0L) - consumerPos);
    }

    /** Reads the mapped pages under the unmap lock, so that close cannot unmap them meanwhile. */
    private long whileMapped(java.util.function.LongSupplier read) {
        unmapLock.lock();
        try {
            if (guard.isReleased()) {
                throw new IllegalStateException("ring buffer " + name + " is closed");
            }
            return read.getAsLong();
        } finally {
            unmapLock.unlock();
        }
    }

    /**
     * How far the producer has written: bytes since the ring was created, reserved records
     * included. A drain has handed over everything written before a moment once
     * {@link #consumerPosition()} reaches this position read at that moment.
     */
    public long producerPosition() {
        return whileMapped(() -> (long) LONG.getAcquire(producerPage, 0L));
    }

    /** How far drains have consumed, in the producer's bytes; readable from any thread. */
    public long consumerPosition() {
        return whileMapped(() -> (long) LONG.getAcquire(consumerPage, 0L));
    }

    /** Hands every complete record to {@code handler}; returns how many it handled. */
    public int drain(RecordHandler handler) {
        return drain(handler, Integer.MAX_VALUE);
    }

    /** Like {@link #drain(RecordHandler)}, stopping after {@code max} records. */
    public int drain(RecordHandler handler, int max) {
        // held while reading the mapping: close() waits for a drain under way instead of
        // unmapping the ring beneath it (a SIGSEGV in the draining thread)
        unmapLock.lock();
        try {
            if (guard.isReleased()) {
                throw new IllegalStateException("ring buffer " + name + " is closed");
            }
            return drainMapped(handler, max);
        } finally {
            unmapLock.unlock();
        }
    }

    private int drainMapped(RecordHandler handler, int max) {
        // Locals, not fields: the JIT does not trust instance finals across the handler call.
        final MemorySegment d = data;
        final MemorySegment prodPage = producerPage;
        final long m = mask;
        int n = 0;
        long cons = consumerPos;
        long prod = (long) LONG.getAcquire(prodPage, 0L);
        // Records of one producer mostly have one size. When a header says the same length
        // as the last, the next header's address is known before this one is read, so the
        // CPU can load ahead instead of waiting on each length (a predicted branch, not data).
        int lastWord = 0;
        long lastStep = 0;
        try {
            while (cons < prod && n < max) {
                long hdrOff = cons & m;
                int len = d.get(ValueLayout.JAVA_INT_UNALIGNED, hdrOff);
                VarHandle.loadLoadFence(); // read the record only after its committed length
                if ((len & BUSY) != 0) {
                    break; // reserved, not yet submitted
                }
                int recLen = len & ~(BUSY | DISCARD);
                if ((len & DISCARD) == 0) {
                    handler.onRecord(d, hdrOff + HEADER, recLen);
                    n++;
                }
                if (len != lastWord) {
                    lastWord = len;
                    lastStep = (recLen + HEADER + 7) & ~7L;
                }
                cons += lastStep;
                if (cons >= prod) {
                    prod = (long) LONG.getAcquire(prodPage, 0L);
                }
            }
        } finally {
            consumerPos = cons;
            LONG.setRelease(consumerPage, 0L, cons);
        }
        return n;
    }

    /** Unmaps the ring, after any drain under way has returned; idempotent. */
    @Override
    public void close() {
        unmapLock.lock();
        try {
            guard.release();
        } finally {
            unmapLock.unlock();
        }
    }
}
