package io.latscope.store.mysql;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * An append-only file of row sets with a read cursor: where pending data goes when memory
 * would be exceeded, and where it stays if the store closes before the database came back.
 * Header: magic and table layout. Entry: payload length, item count, CRC-32, payload. The
 * file is locked while a store uses it, so a store starting on the same database replays
 * only files nobody holds. Not thread-safe: {@link WriteBuffer} serialises access.
 */
final class SpillFile implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SpillFile.class);
    private static final long MAGIC = 0x4c617453_70696c6cL; // "LatSpill"
    private static final int HEADER = 16;
    private static final int ENTRY_HEADER = 12;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private long readPos = HEADER;
    private long writePos;
    private long unreadItems;
    private long unreadEntries;
    private long handedOut;

    private SpillFile(Path path, FileChannel channel, FileLock lock, long writePos) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.writePos = writePos;
    }

    static SpillFile create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve(UUID.randomUUID() + ".spill");
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.lock();
            ByteBuffer h = ByteBuffer.allocate(HEADER).putLong(MAGIC).putLong(RowCodec.layout()).flip();
            ch.write(h, 0);
            return new SpillFile(p, ch, lock, HEADER);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(p);
            throw e;
        }
    }

    /**
     * A file left by a store that closed with data pending; empty when another live store
     * holds it or it was written with another table layout (then it is left in place).
     */
    static Optional<SpillFile> adopt(Path p) throws IOException {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                return Optional.empty();
            }
            ByteBuffer h = ByteBuffer.allocate(HEADER);
            if (ch.read(h, 0) != HEADER || h.getLong(0) != MAGIC || h.getLong(8) != RowCodec.layout()) {
                LOG.warn("spill file {} was written by another LatScope version; it is not replayed and left in place", p);
                ch.close();
                return Optional.empty();
            }
            SpillFile f = new SpillFile(p, ch, lock, ch.size());
            f.scan();
            return Optional.of(f);
        } catch (OverlappingFileLockException e) {
            ch.close();
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Counts the complete entries; a torn last entry (the process died mid-append) is cut off. */
    private void scan() throws IOException {
        long pos = HEADER;
        ByteBuffer eh = ByteBuffer.allocate(ENTRY_HEADER);
        while (pos + ENTRY_HEADER <= writePos) {
            eh.clear();
            channel.read(eh, pos);
            int len = eh.getInt(0);
            if (len < 0 || pos + ENTRY_HEADER + len > writePos || crc(read(pos + ENTRY_HEADER, len)) != eh.getInt(8)) {
                break;
            }
            unreadItems += eh.getInt(4);
            unreadEntries++;
            pos += ENTRY_HEADER + len;
        }
        if (pos < writePos) {
            LOG.warn("spill file {}: dropping {} bytes of a torn last entry", path, writePos - pos);
            channel.truncate(pos);
            writePos = pos;
        }
    }

    void append(RowSet set) throws IOException {
        byte[] payload = RowCodec.encode(set);
        ByteBuffer b = ByteBuffer.allocate(ENTRY_HEADER + payload.length);
        b.putInt(payload.length).putInt(set.items()).putInt(crc(payload)).put(payload).flip();
        while (b.hasRemaining()) {
            writePos += channel.write(b, writePos);
        }
        unreadItems += set.items();
        unreadEntries++;
    }

    /** The oldest unread row set, or null. */
    RowSet next() throws IOException {
        if (unreadEntries == 0) {
            return null;
        }
        ByteBuffer eh = ByteBuffer.allocate(ENTRY_HEADER);
        channel.read(eh, readPos);
        int len = eh.getInt(0);
        byte[] payload = read(readPos + ENTRY_HEADER, len);
        if (crc(payload) != eh.getInt(8)) {
            throw new IOException("spill file " + path + " is corrupt at offset " + readPos);
        }
        readPos += ENTRY_HEADER + len;
        unreadEntries--;
        unreadItems -= eh.getInt(4);
        handedOut++;
        return RowCodec.decode(payload);
    }

    /**
     * Entries handed out by {@link #next()} are now durable elsewhere. Until then they stay in
     * the file, so a process that dies mid-write leaves them for the next store to replay.
     */
    void written(int entries) throws IOException {
        handedOut -= entries;
        if (handedOut == 0 && unreadEntries == 0 && writePos > HEADER) {
            // Start over, so the file does not grow across outages.
            channel.truncate(HEADER);
            readPos = HEADER;
            writePos = HEADER;
        }
    }

    long unreadItems() {
        return unreadItems;
    }

    boolean isEmpty() {
        return unreadEntries == 0;
    }

    Path path() {
        return path;
    }

    /** Makes appended data durable (before a store closes with data still pending). */
    void force() throws IOException {
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /** Closes, and deletes the file if everything in it was written. */
    void closeAndDeleteIfEmpty() throws IOException {
        boolean empty = isEmpty() && handedOut == 0;
        close();
        if (empty) {
            Files.deleteIfExists(path);
        }
    }

    private byte[] read(long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            if (channel.read(b, pos + b.position()) < 0) {
                throw new IOException("spill file " + path + " ends early at " + (pos + b.position()));
            }
        }
        return b.array();
    }

    private static int crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }
}
