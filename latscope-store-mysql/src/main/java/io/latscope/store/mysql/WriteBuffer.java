package io.latscope.store.mysql;

import io.latscope.error.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Row sets on their way to the database, first in first out. Memory holds up to
 * {@code maxMemoryBytes} (plus the batch being written); beyond that, and for as long as
 * anything is in the spill file, new data is appended to the file, so order is kept: memory
 * holds the oldest data, the file the newest. Files left by earlier stores on the same
 * database are replayed first. Safe for many producers and one writer thread.
 */
final class WriteBuffer {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBuffer.class);

    private record Taken(RowSet set, SpillFile from) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long maxMemoryBytes;
    private final Path spillDir;
    private final ArrayDeque<RowSet> memory = new ArrayDeque<>();
    private final ArrayDeque<SpillFile> leftovers = new ArrayDeque<>();
    private final List<Taken> inFlight = new ArrayList<>();
    private SpillFile spill;
    private long memoryBytes;
    private long added, written, spilled;
    private String spillError;

    WriteBuffer(long maxMemoryBytes, Path spillDir) {
        this.maxMemoryBytes = maxMemoryBytes;
        this.spillDir = spillDir;
    }

    /** Queues files that earlier stores left in the spill directory; returns the items found. */
    long adoptLeftovers() throws IOException {
        if (!Files.isDirectory(spillDir)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(spillDir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".spill")).sorted().toList();
        }
        long items = 0;
        for (Path p : files) {
            var f = SpillFile.adopt(p);
            if (f.isPresent()) {
                lock.lock();
                try {
                    leftovers.add(f.get());
                    added += f.get().unreadItems();
                    spilled += f.get().unreadItems();
                    items += f.get().unreadItems();
                } finally {
                    lock.unlock();
                }
            }
        }
        return items;
    }

    void add(RowSet set) {
        lock.lock();
        try {
            boolean full = memoryBytes + set.estimatedBytes() > maxMemoryBytes && !memory.isEmpty();
            if (full || spill != null && !spill.isEmpty()) {
                if (spill(set)) {
                    added += set.items();
                    changed.signalAll();
                    return;
                }
            }
            memory.add(set);
            memoryBytes += set.estimatedBytes();
            added += set.items();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** False when the disk refused: then the data stays in memory rather than being lost. */
    private boolean spill(RowSet set) {
        try {
            if (spill == null) {
                spill = SpillFile.create(spillDir);
                LOG.info("result store: more than {} bytes pending; spilling to {}", maxMemoryBytes, spill.path());
            }
            spill.append(set);
            spilled += set.items();
            spillError = null;
            return true;
        } catch (IOException e) {
            if (spillError == null) {
                LOG.error("result store: cannot spill to {} ({}); keeping data in memory beyond the {} byte bound",
                        spillDir, e.toString(), maxMemoryBytes);
            }
            spillError = "cannot spill to " + spillDir + ": " + e;
            return false;
        }
    }

    /**
     * The next batch (oldest first, about {@code maxRows} rows, at least one row set), waiting
     * up to {@code wait} for data. It stays in flight until {@link #batchWritten()}.
     */
    List<RowSet> take(int maxRows, Duration wait) throws InterruptedException {
        lock.lock();
        try {
            if (!inFlight.isEmpty()) {
                throw new IllegalStateException("the previous batch was not written");
            }
            long nanos = wait.toNanos();
            while (pendingLocked() == 0 && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            int rows = 0;
            while (rows < maxRows) {
                RowSet next = nextLocked();
                if (next == null) {
                    break;
                }
                rows += next.rows().size();
            }
            return inFlight.stream().map(Taken::set).toList();
        } catch (IOException e) {
            throw new StoreException("cannot read back the spill file: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private RowSet nextLocked() throws IOException {
        while (!leftovers.isEmpty()) {
            SpillFile f = leftovers.peek();
            RowSet s = f.next();
            if (s != null) {
                return handOut(s, f);
            }
            if (inFlight.stream().noneMatch(t -> t.from() == f)) {
                leftovers.poll().closeAndDeleteIfEmpty();
            } else {
                return null; // finish this file's batch before moving on
            }
        }
        RowSet m = memory.poll();
        if (m != null) {
            memoryBytes -= m.estimatedBytes();
            inFlight.add(new Taken(m, null));
            return m;
        }
        RowSet s = spill == null ? null : spill.next();
        return s == null ? null : handOut(s, spill);
    }

    private RowSet handOut(RowSet s, SpillFile from) {
        spilled -= s.items();
        inFlight.add(new Taken(s, from));
        return s;
    }

    /** The batch from {@link #take} is durable. */
    void batchWritten() throws IOException {
        lock.lock();
        try {
            for (Taken t : inFlight) {
                written += t.set().items();
            }
            List<SpillFile> sources = inFlight.stream().map(Taken::from).filter(f -> f != null).distinct().toList();
            for (SpillFile f : sources) {
                f.written((int) inFlight.stream().filter(t -> t.from() == f).count());
            }
            inFlight.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until {@code target} items have been written in total; false on timeout. */
    boolean awaitWritten(long target, Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (written < target) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    long added() {
        return locked(() -> added);
    }

    long writtenItems() {
        return locked(() -> written);
    }

    long pending() {
        return locked(this::pendingLocked);
    }

    long spilled() {
        return locked(() -> spilled);
    }

    String spillError() {
        return locked(() -> spillError);
    }

    private long pendingLocked() {
        return added - written;
    }

    /**
     * At close, with the database still away: everything not written (in flight, in memory,
     * in the spill file) goes to one durable file that the next store on this database
     * replays. Returns it, or null when nothing was pending.
     */
    Path persistUnwritten() throws IOException {
        lock.lock();
        try {
            if (pendingLocked() == 0) {
                closeFiles();
                return null;
            }
            SpillFile out = SpillFile.create(spillDir);
            for (Taken t : inFlight) {
                out.append(t.set());
            }
            for (RowSet s : memory) {
                out.append(s);
            }
            if (spill != null) {
                for (RowSet s = spill.next(); s != null; s = spill.next()) {
                    out.append(s);
                }
            }
            out.force();
            out.close();
            // In-flight entries from files are now in 'out' too; replaying them twice is harmless.
            if (spill != null) {
                spill.close();
                Files.deleteIfExists(spill.path());
                spill = null;
            }
            for (SpillFile f : leftovers) {
                f.close();
            }
            leftovers.clear();
            inFlight.clear();
            memory.clear();
            return out.path();
        } finally {
            lock.unlock();
        }
    }

    private void closeFiles() throws IOException {
        if (spill != null) {
            spill.closeAndDeleteIfEmpty();
            spill = null;
        }
        for (SpillFile f : leftovers) {
            f.closeAndDeleteIfEmpty();
        }
        leftovers.clear();
        try {
            Files.deleteIfExists(spillDir);
        } catch (DirectoryNotEmptyException e) {
            // Another store's file, or one kept for a later replay: the directory stays.
        }
    }

    private <T> T locked(java.util.function.Supplier<T> s) {
        lock.lock();
        try {
            return s.get();
        } finally {
            lock.unlock();
        }
    }
}
