package io.latscope.transport;

import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of an agent's outage buffer that does not fit in memory: an append-only file of
 * records, read back in order. Private to the agent's process (mode 0600, unlinked at
 * close; nothing reads it after a crash — the controller counts what never arrived), so it
 * needs no checksums. Not thread-safe: the publisher's lock guards it.
 */
final class SpillQueue implements AutoCloseable {
    private static final int HEADER = 8 + 1 + 4 + 4;

    private final Path file;
    private final FileChannel ch;
    private long readPos;
    private long writePos;
    private int entries;

    private SpillQueue(Path file, FileChannel ch) {
        this.file = file;
        this.ch = ch;
    }

    /** Creates the file in {@code dir}, readable by this user only. */
    static SpillQueue create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Path f = Files.createTempFile(dir, name, ".spill", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            f.toFile().deleteOnExit();
            return new SpillQueue(f, FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException | UnsupportedOperationException e) {
            throw new LatScopeException("cannot create the agent's spill file in " + dir + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    boolean isEmpty() {
        return entries == 0;
    }

    int entries() {
        return entries;
    }

    /** Bytes held now (written and not yet read back). */
    long bytes() {
        return writePos - readPos;
    }

    /** Appends one record. */
    void append(AgentPublisher.Pending p) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + p.data().length);
        b.putLong(p.seq()).put(p.type()).putInt(p.items()).putInt(p.data().length).put(p.data()).flip();
        while (b.hasRemaining()) {
            writePos += ch.write(b, writePos);
        }
        entries++;
    }

    /** Reads back up to {@code maxBytes} of the oldest records (at least one when any is left), in order. */
    List<AgentPublisher.Pending> take(long maxBytes) throws IOException {
        List<AgentPublisher.Pending> out = new ArrayList<>();
        long taken = 0;
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        while (entries > 0 && (out.isEmpty() || taken < maxBytes)) {
            head.clear();
            readFully(head, readPos);
            head.flip();
            long seq = head.getLong();
            byte type = head.get();
            int items = head.getInt();
            int len = head.getInt();
            ByteBuffer data = ByteBuffer.allocate(len);
            readFully(data, readPos + HEADER);
            readPos += HEADER + len;
            entries--;
            taken += len;
            out.add(new AgentPublisher.Pending(seq, type, items, data.array()));
        }
        if (entries == 0) {
            ch.truncate(0); // drained: give the disk back
            readPos = 0;
            writePos = 0;
        }
        return out;
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new IOException("spill file " + file + " ends early");
            }
            p += n;
        }
    }

    /** Closes and removes the file; what it held is dropped. */
    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            // removed next anyway
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // tmp file, also deleted on exit
        }
    }
}
