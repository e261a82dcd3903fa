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
 * has exited, reads fail ({@code ESRCH}) even if its pid was reused, so a reused pid is
 * never read as the old process. Not thread-safe (the caller's lock guards it).
 */
final class ResidentMemory implements AutoCloseable {
    private static final long PAGE = 4096;

    private final Map<Long, FileChannel> open = new HashMap<>();
    /** statm is seven decimal numbers: well under 128 bytes on a 64-bit machine. */
    private final ByteBuffer buf = ByteBuffer.allocateDirect(128);

    /** The process's resident memory in bytes now, or -1 when it cannot be read (the process exited). */
    long bytes(long pid) {
        FileChannel ch = open.get(pid);
        try {
            if (ch == null) {
                ch = FileChannel.open(Path.of("/proc", Long.toString(pid), "statm"), StandardOpenOption.READ);
                open.put(pid, ch);
            }
            buf.clear();
            int n = ch.read(buf, 0);
            long pages = n > 0 ? secondField(buf, n) : -1;
            if (pages < 0) {
                forget(pid);
            }
            return pages < 0 ? -1 : pages * PAGE;
        } catch (IOException | RuntimeException e) {
            forget(pid);
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
        FileChannel ch = open.remove(pid);
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
        for (Long pid : java.util.List.copyOf(open.keySet())) {
            forget(pid);
        }
    }
}
