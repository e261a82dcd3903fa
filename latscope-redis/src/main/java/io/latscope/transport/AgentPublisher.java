package io.latscope.transport;

import io.latscope.error.LatScopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's end of the transport. Records are numbered and kept until the controller
 * acknowledges them (it writes the highest number it processed), so nothing is lost when
 * Redis restarts or the session's stream vanishes: whatever was sent and not acknowledged
 * is sent again (after a reconnect, when the stream is missing, or when acknowledgments
 * stall) and the controller drops what it has seen.
 *
 * <p>While records cannot be delivered — Redis unreachable, or the controller's lease
 * missing from it (the controller is cut off from Redis, or gone) — they are kept in
 * memory, then in a spill file, for up to the {@linkplain Limits#outageBudget() outage
 * budget}; records made after that, or beyond the memory and spill bounds, are refused and
 * counted per kind. The counts reach the controller as a {@link AgentRecord.Lost} note once
 * delivery works again, after an {@link AgentRecord.Outage} note that says how long it
 * lasted. The agent never creates a Redis key: it appends only to the stream the
 * controller made ({@code NOMKSTREAM}), which carries the controller's time to live.
 */
public final class AgentPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentPublisher.class);
    /** Send again what is unacknowledged when acknowledgments have not moved for this long. */
    private static final long RESEND_AFTER_NANOS = 5_000_000_000L;
    /** Per-record overhead counted against the memory bound. */
    private static final int RECORD_OVERHEAD = 64;
    /** Outages shorter than this get no {@link AgentRecord.Outage} note (a reconnect blip). */
    private static final long NOTE_OUTAGES_FROM_NANOS = 1_000_000_000L;

    /**
     * How much an agent keeps while it cannot deliver.
     *
     * @param maxRecords   records held at most (memory and spill file)
     * @param memoryBytes  bytes held in memory at most
     * @param spillDir     where the spill file goes (created there, mode 0600, removed at close); null: none
     * @param spillBytes   bytes written to the spill file at most
     * @param outageBudget how long into an outage records are still kept
     */
    public record Limits(int maxRecords, long memoryBytes, Path spillDir, long spillBytes, Duration outageBudget) {
        public Limits {
            if (maxRecords < 1 || memoryBytes < 1 || spillBytes < 0 || outageBudget == null || outageBudget.isNegative()) {
                throw new IllegalArgumentException("invalid publisher limits");
            }
        }

        /** Memory only, {@code maxRecords} records, no time limit: the buffer bound alone refuses. */
        public static Limits records(int maxRecords) {
            return new Limits(maxRecords, Long.MAX_VALUE, null, 0, Duration.ofDays(3650));
        }
    }

    /** A record waiting for its acknowledgment; {@code items} counts marker parts. */
    record Pending(long seq, byte type, int items, byte[] data) {
        long bytes() {
            return data.length + RECORD_OVERHEAD;
        }
    }

    /** A record already encoded (to publish the same one many times, e.g. in benchmarks). */
    public record Encoded(byte type, byte[] payload, int items) {
        public Encoded(byte type, byte[] payload) {
            this(type, payload, 0);
        }
    }

    /**
     * What the publisher sees now.
     *
     * @param connected       whether it has a working Redis connection
     * @param leasePresent    whether the controller's lease was in Redis at the last look
     * @param outage          how long records have not been deliverable (zero when they are)
     * @param outageCause     why, or null
     * @param buffered        records held (memory and spill file)
     * @param spilledBytes    bytes in the spill file
     * @param lost            records refused so far
     * @param leaseMissing    how long the lease has been missing from a reachable Redis (zero when present)
     */
    public record Status(boolean connected, boolean leasePresent, Duration outage, String outageCause, int buffered,
                         long spilledBytes, long lost, Duration leaseMissing) {
    }

    private final RedisEndpoint redis;
    private final String session;
    private final String host;
    private final Limits limits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> memory = new ArrayDeque<>();
    private final Thread sender;
    private SpillQueue spill;
    private long memoryBytes;
    private long nextSeq = 1;
    private long sentUpTo;   // highest sequence number written to the current stream
    private long ackedUpTo;
    private long lastAckProgress = System.nanoTime();
    private long lastAckRead;
    private long lastLeaseCheck;
    // lost records, in total and not yet reported
    private long lostTotal;
    private long lostRecords;
    private long lostIntervals;
    private long lostMarkerParts;
    private String lostReason;
    // the current outage (outageSince == 0: none)
    private long outageSince;
    private long outageStartMillis;
    private String outageCause;
    private long outageKept;
    private long outageSpilled;
    private long outageSpilledBytes;
    private volatile boolean connected;
    private volatile boolean leasePresent = true;
    private volatile long leaseMissingSince;
    private volatile long reconnects;
    private volatile boolean stopped;

    /** A publisher with memory-only buffering of {@code maxBuffered} records and no outage budget (tests, benchmarks). */
    public AgentPublisher(RedisEndpoint redis, String session, String host, int maxBuffered) {
        this(redis, session, host, Limits.records(maxBuffered));
    }

    public AgentPublisher(RedisEndpoint redis, String session, String host, Limits limits) {
        this.redis = redis;
        this.session = session;
        this.host = host;
        this.limits = limits;
        try (Jedis j = redis.connect(Duration.ofSeconds(5))) {
            j.ping(); // fail at start with a clear error rather than later
        }
        this.sender = Thread.ofPlatform().daemon().name("latscope-publisher").start(this::run);
    }

    public static Encoded encode(AgentRecord r) {
        return new Encoded(RecordCodec.type(r), RecordCodec.payload(r),
                r instanceof AgentRecord.Markers m ? m.parts().size() : 0);
    }

    /** Queues a record; false (and counted as lost) when it cannot be kept. */
    public boolean publish(AgentRecord r) {
        return publish(encode(r));
    }

    public boolean publish(Encoded e) {
        return offer(e, true);
    }

    /** Queues a record if it can be kept now; false, and not counted as lost, when not (for callers that retry). */
    public boolean tryPublish(Encoded e) {
        return offer(e, false);
    }

    private boolean offer(Encoded e, boolean countRefusal) {
        lock.lock();
        try {
            String refusal = refusal(e);
            if (refusal != null) {
                if (countRefusal) {
                    countLost(e, refusal);
                }
                return false;
            }
            enqueue(e);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Why {@code e} cannot be kept now, or null. Holds the lock. */
    private String refusal(Encoded e) {
        long now = System.nanoTime();
        if (outageSince != 0 && now - outageSince > limits.outageBudget().toNanos()) {
            return "could not deliver for longer than the " + describe(limits.outageBudget()) + " outage budget ("
                    + outageCause + ")";
        }
        if (buffered() >= limits.maxRecords()) {
            return "the buffer of " + limits.maxRecords() + " records was full";
        }
        long size = e.payload().length + RECORD_OVERHEAD;
        boolean toMemory = (spill == null || spill.isEmpty()) && memoryBytes + size <= limits.memoryBytes();
        if (!toMemory && (limits.spillDir() == null || (spill == null ? 0 : spill.bytes()) + size > limits.spillBytes())) {
            return limits.spillDir() == null || limits.spillBytes() == 0
                    ? "the memory buffer (" + limits.memoryBytes() / 1024 + " KiB) was full"
                    : "the memory buffer and the spill file (" + limits.spillBytes() / (1024 * 1024) + " MiB) were full";
        }
        return null;
    }

    /** Numbers and keeps a record: in memory, or behind what is already spilled. Holds the lock. */
    private void enqueue(Encoded e) {
        Pending p = new Pending(nextSeq, e.type(), e.items(), e.payload());
        boolean toMemory = (spill == null || spill.isEmpty()) && memoryBytes + p.bytes() <= limits.memoryBytes();
        if (toMemory) {
            memory.addLast(p);
            memoryBytes += p.bytes();
        } else {
            try {
                if (spill == null) {
                    spill = SpillQueue.create(limits.spillDir(), "latscope-agent-" + safe(host) + "-");
                    LOG.info("buffering beyond {} KiB of memory in {}", limits.memoryBytes() / 1024, spill.file());
                }
                spill.append(p);
                if (outageSince != 0) {
                    outageSpilled++;
                    outageSpilledBytes += p.bytes();
                }
            } catch (IOException | LatScopeException ex) {
                countLost(e, "the spill file failed: " + ex.getMessage());
                return;
            }
        }
        nextSeq++;
        if (outageSince != 0) {
            outageKept++;
        }
        changed.signalAll();
    }

    private void countLost(Encoded e, String reason) {
        lostTotal++;
        lostRecords++;
        if (e.type() == RecordCodec.INTERVAL) {
            lostIntervals++;
        }
        lostMarkerParts += e.items();
        if (lostReason == null) {
            lostReason = reason;
            LOG.warn("records are being lost: {}", reason);
        }
    }

    /** Records refused (never numbered, never sent). */
    public long lost() {
        lock.lock();
        try {
            return lostTotal;
        } finally {
            lock.unlock();
        }
    }

    public long reconnects() {
        return reconnects;
    }

    /** Records held (memory and spill file), waiting to be sent or acknowledged. */
    public int buffered() {
        lock.lock();
        try {
            return memory.size() + (spill == null ? 0 : spill.entries());
        } finally {
            lock.unlock();
        }
    }

    public Status status() {
        lock.lock();
        try {
            long now = System.nanoTime();
            long lm = leaseMissingSince;
            return new Status(connected, leasePresent, outageSince == 0 ? Duration.ZERO : Duration.ofNanos(now - outageSince),
                    outageCause, memory.size() + (spill == null ? 0 : spill.entries()), spill == null ? 0 : spill.bytes(),
                    lostTotal, lm == 0 ? Duration.ZERO : Duration.ofNanos(now - lm));
        } finally {
            lock.unlock();
        }
    }

    /** How long the controller's lease has been missing from a reachable Redis (zero when present, or Redis away). */
    public Duration leaseMissing() {
        long lm = leaseMissingSince;
        return lm == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - lm);
    }

    // ---- the sender thread ---------------------------------------------------------------

    private void run() {
        Jedis j = null;
        long backoff = 50;
        while (!stopped) {
            try {
                if (j == null) {
                    j = redis.connect(Duration.ofSeconds(2));
                    connected = true;
                    resendFromAck(); // a new Redis may have lost what was sent
                    lastLeaseCheck = 0;
                    backoff = 50;
                }
                long now = System.nanoTime();
                if (now - lastLeaseCheck > 1_000_000_000L) {
                    checkLease(j);
                    lastLeaseCheck = now;
                }
                if (leasePresent && !sendPending(j)) {
                    // the session's stream is missing (Redis restarted, or expired): wait for the controller
                    setLease(false);
                    sleep(200);
                    continue;
                }
                boolean waiting;
                lock.lock();
                try {
                    waiting = !memory.isEmpty();
                } finally {
                    lock.unlock();
                }
                // polling is kept rare: a controller may have a thousand agents on one Redis
                if (waiting && now - lastAckRead > 100_000_000L) {
                    readAck(j);
                    lastAckRead = now;
                }
                lock.lock();
                try {
                    refillFromSpill();
                    if (sentUpTo > ackedUpTo && now - lastAckProgress > RESEND_AFTER_NANOS && leasePresent) {
                        LOG.info("no acknowledgment for {} s: sending records {}..{} again", RESEND_AFTER_NANOS / 1_000_000_000L,
                                ackedUpTo + 1, sentUpTo);
                        sentUpTo = ackedUpTo;
                        lastAckProgress = now;
                    }
                    if (!hasUnsent() && !stopped) {
                        changed.awaitNanos(100_000_000);
                    }
                } finally {
                    lock.unlock();
                }
            } catch (JedisException | LatScopeException e) {
                if (connected || j != null) {
                    reconnects++;
                    LOG.warn("Redis connection lost ({}); keeping {} records and retrying", e.getMessage(), buffered());
                }
                connected = false;
                leaseMissingSince = 0; // unknown while Redis is away
                noteOutage("Redis unreachable: " + e.getMessage());
                close(j);
                j = null;
                sleep(backoff);
                backoff = Math.min(backoff * 2, 1000);
            } catch (InterruptedException e) {
                break;
            }
        }
        close(j);
    }

    private void checkLease(Jedis j) {
        setLease(j.exists(Streams.alive(session)));
    }

    private void setLease(boolean present) {
        leasePresent = present;
        if (present) {
            leaseMissingSince = 0;
            endOutage();
        } else {
            if (leaseMissingSince == 0) {
                leaseMissingSince = System.nanoTime();
            }
            noteOutage("the controller's lease is missing from Redis (the controller cannot reach Redis, or is gone)");
        }
    }

    private void noteOutage(String cause) {
        lock.lock();
        try {
            if (outageSince == 0) {
                outageSince = System.nanoTime();
                outageStartMillis = System.currentTimeMillis();
                outageCause = cause;
                outageKept = 0;
                outageSpilled = 0;
                outageSpilledBytes = 0;
                LOG.warn("cannot deliver records ({}); keeping them for up to {}", cause, describe(limits.outageBudget()));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Delivery works again: say how long it did not, and what was lost, behind the records kept meanwhile. */
    private void endOutage() {
        lock.lock();
        try {
            if (outageSince != 0) {
                long lasted = System.nanoTime() - outageSince;
                LOG.info("delivering again after {} ms ({}); sending the {} records kept ({} spilled), {} lost",
                        lasted / 1_000_000, outageCause, outageKept, outageSpilled, lostRecords);
                if (lasted >= NOTE_OUTAGES_FROM_NANOS || lostRecords > 0) {
                    enqueue(encode(new AgentRecord.Outage(outageStartMillis, System.currentTimeMillis(), outageKept,
                            outageSpilled, outageCause)));
                }
                outageSince = 0;
                outageCause = null;
            }
            if (lostRecords > 0) {
                enqueue(encode(new AgentRecord.Lost(lostRecords, lostIntervals, lostMarkerParts, lostReason)));
                lostRecords = 0;
                lostIntervals = 0;
                lostMarkerParts = 0;
                lostReason = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Moves spilled records back into memory once memory has room. Holds the lock. */
    private void refillFromSpill() {
        if (spill == null || spill.isEmpty() || memoryBytes > limits.memoryBytes() / 2) {
            return;
        }
        try {
            for (Pending p : spill.take(limits.memoryBytes() / 2)) {
                memory.addLast(p);
                memoryBytes += p.bytes();
            }
        } catch (IOException e) {
            throw new LatScopeException("reading the spill file " + spill.file() + ": " + e.getMessage(), e);
        }
    }

    private boolean hasUnsent() {
        Pending last = memory.peekLast();
        return last != null && last.seq() > sentUpTo;
    }

    private void resendFromAck() {
        lock.lock();
        try {
            sentUpTo = ackedUpTo;
            lastAckProgress = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /** Sends what memory holds beyond {@code sentUpTo}; false when the session's stream does not exist. */
    private boolean sendPending(Jedis j) {
        byte[] key = Streams.sessionStream(session);
        byte[] hostBytes = Streams.bytes(host);
        while (true) {
            List<Pending> batch = new ArrayList<>(256);
            lock.lock();
            try {
                long bytes = 0;
                for (Pending q : memory) {
                    if (q.seq() > sentUpTo) {
                        batch.add(q);
                        bytes += q.bytes();
                        if (batch.size() == 256 || bytes > 4 << 20) {
                            break;
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            if (batch.isEmpty()) {
                return true;
            }
            List<Response<byte[]>> replies = new ArrayList<>(batch.size());
            try (Pipeline pipe = j.pipelined()) {
                for (Pending p : batch) {
                    Map<byte[], byte[]> fields = new HashMap<>();
                    fields.put(Streams.F_SEQ, ByteBuffer.allocate(8).putLong(p.seq()).array());
                    fields.put(Streams.F_TYPE, new byte[] {p.type()});
                    fields.put(Streams.F_DATA, p.data());
                    fields.put(Streams.F_HOST, hostBytes);
                    // never create the stream: only the controller does, with a time to live
                    replies.add(pipe.xadd(key, XAddParams.xAddParams().noMkStream(), fields));
                }
                pipe.sync();
            }
            for (Response<byte[]> r : replies) {
                if (r.get() == null) {
                    resendFromAck();
                    return false;
                }
            }
            lock.lock();
            try {
                if (sentUpTo == ackedUpTo) {
                    lastAckProgress = System.nanoTime(); // the wait for an acknowledgment starts now
                }
                sentUpTo = Math.max(sentUpTo, batch.getLast().seq());
            } finally {
                lock.unlock();
            }
        }
    }

    private void readAck(Jedis j) {
        byte[] a = j.get(Streams.ack(session, host));
        if (a == null) {
            return;
        }
        long acked = Long.parseLong(new String(a, java.nio.charset.StandardCharsets.US_ASCII));
        lock.lock();
        try {
            if (acked > ackedUpTo) {
                ackedUpTo = acked;
                lastAckProgress = System.nanoTime();
                while (!memory.isEmpty() && memory.peekFirst().seq() <= acked) {
                    memoryBytes -= memory.removeFirst().bytes();
                }
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- flushing and closing --------------------------------------------------------------

    /** Waits up to {@code timeout} for everything to be acknowledged; returns whether it was. */
    public boolean flush(Duration timeout) {
        return await(timeout, () -> memory.isEmpty() && (spill == null || spill.isEmpty()));
    }

    /**
     * Waits until everything is written to Redis (not necessarily read by the controller),
     * for at most {@code timeout}, and only while Redis and the controller's lease are there:
     * an agent that stops because its controller went away must not wait for it.
     */
    public boolean flushToRedis(Duration timeout) {
        await(timeout, () -> allSent() || !connected || !leasePresent);
        lock.lock();
        try {
            return allSent();
        } finally {
            lock.unlock();
        }
    }

    private boolean allSent() {
        return !hasUnsent() && (spill == null || spill.isEmpty());
    }

    private boolean await(Duration timeout, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, 20_000_000));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Flushes (up to 5 s), then stops the sender. Records still unacknowledged count as lost. */
    @Override
    public void close() {
        flush(Duration.ofSeconds(5));
        stop();
    }

    /**
     * Stops the sender now; what was never written to Redis is dropped and counted as lost,
     * and the spill file removed.
     */
    public void stop() {
        stopped = true;
        lock.lock();
        try {
            lostTotal += unsentLocked();
            memory.clear();
            memoryBytes = 0;
            if (spill != null) {
                spill.close();
                spill = null;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        sender.interrupt();
        try {
            sender.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records not written to Redis yet. */
    public long unsent() {
        lock.lock();
        try {
            return unsentLocked();
        } finally {
            lock.unlock();
        }
    }

    private long unsentLocked() {
        long n = spill == null ? 0 : spill.entries();
        for (Pending p : memory) {
            if (p.seq() > sentUpTo) {
                n++;
            }
        }
        return n;
    }

    private static void close(Jedis j) {
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException e) {
                // already broken
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    static String describe(Duration d) {
        long s = d.toSeconds();
        return s >= 60 && s % 60 == 0 ? s / 60 + " min" : d.toMillis() % 1000 == 0 ? s + " s" : d.toMillis() + " ms";
    }
}
