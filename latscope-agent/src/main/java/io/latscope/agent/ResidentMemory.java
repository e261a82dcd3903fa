package io.latscope.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Resident memory of processes, read ten times a second per endpoint process: each
 * process's {@code /proc/PID/statm} stays open and is read again from offset 0 into one
 * buffer, parsed in place. Opening the file by path, reading it into a new string and
 * splitting it cost the interval thread 2–3 ms of CPU a second for two processes in
 * bulk runs (an async-profiler CPU profile, 2026-12-06), about a third of its time.
 *
 * <p>An open {@code statm} belongs to the process it was opened for: once that process
 * has exited, reads fail ({@code ESRCH}) and the file is closed, even if the pid was
 * reused meanwhile. (A pid read again after that opens the file by path anew, whatever
 * process has the pid then, as reading by path always did.) At most {@link #KEPT_OPEN}
 * files stay open; beyond that, each read opens and closes its file. Not thread-safe (the
 * caller's lock guards it).
 */
final class ResidentMemory implements AutoCloseable {
    private static final long PAGE = 4096;

    /** Files kept open at most: a session with more endpoint processes reads the rest by path each time. */
    static final int KEPT_OPEN = 256;

    private final int keptOpen;
    private final Map<Long, FileChannel> open = new HashMap<>();
    /** After {@link #close()}: nothing is kept open any more (a sample that was waiting may still read). */
    private boolean closed;
    /** statm is seven decimal numbers: well under 128 bytes on a 64-bit machine. */
    private final ByteBuffer buf = ByteBuffer.allocateDirect(128);

    ResidentMemory() {
        this(KEPT_OPEN);
    }

    /** For tests: at most {@code keptOpen} files open. */
    ResidentMemory(int keptOpen) {
        this.keptOpen = keptOpen;
    }

    /** The process's resident memory in bytes now, or -1 when it cannot be read (the process exited). */
    long bytes(long pid) {
        FileChannel ch = open.get(pid);
        boolean keep = ch != null || (!closed && open.size() < keptOpen);
        try {
            if (ch == null) {
                ch = FileChannel.open(Path.of("/proc", Long.toString(pid), "statm"), StandardOpenOption.READ);
                if (keep) {
                    open.put(pid, ch);
                }
            }
            buf.clear();
            int n = ch.read(buf, 0);
            long pages = n > 0 ? secondField(buf, n) : -1;
            if (pages < 0 || !keep) {
                forget(pid, ch);
            }
            return pages < 0 ? -1 : pages * PAGE;
        } catch (IOException | RuntimeException e) {
            forget(pid, ch);
            return -1;
        }
    }

    /** The second space-separated decimal of the first {@code n} bytes (statm's resident pages), or -1. */
    static long secondField(ByteBuffer b, int n) {
        int i = 0;
        while (i < n && b.get(i) != ' ') {
            i++;
        }
        i++;
        long v = 0;
        int digits = 0;
        for (; i < n; i++, digits++) {
            byte c = b.get(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return digits == 0 ? -1 : v;
    }

    /** Closes the process's file, if open. */
    void forget(long pid) {
        forget(pid, open.get(pid));
    }

    /** Keeps files open for these processes only. */
    void retainOnly(java.util.Set<Long> pids) {
        for (Long pid : java.util.List.copyOf(open.keySet())) {
            if (!pids.contains(pid)) {
                forget(pid);
            }
        }
    }

    private void forget(long pid, FileChannel ch) {
        open.remove(pid, ch);
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // a read-only procfs file: nothing to lose
            }
        }
    }

    /** Processes whose file is open, for tests. */
    int openFiles() {
        return open.size();
    }

    @Override
    public void close() {
        closed = true;
        retainOnly(java.util.Set.of());
    }
}
