package io.latscope.transport;

import io.latscope.error.LatScopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's end of the transport. Records are numbered and kept until the controller
 * acknowledges them (it writes the highest number it processed), so nothing is lost when
 * Redis restarts: after a reconnect everything after the last acknowledgment is sent
 * again and the controller drops what it has seen. The buffer is bounded; when it is full
 * new records are refused and counted as lost (back-pressure, never silent).
 */
public final class AgentPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentPublisher.class);

    private final RedisEndpoint redis;
    private final String session;
    private final String host;
    private final int maxBuffered;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> unacked = new ArrayDeque<>();
    private final Thread sender;
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile long lastControllerBeat = System.nanoTime();
    private long nextSeq = 1;
    private long lastAckRead;
    private long lastBeatCheck;
    private long sentUpTo;   // highest sequence number written to the current Redis
    private long ackedUpTo;
    private volatile boolean closing;

    private record Pending(long seq, byte type, byte[] data) {
    }

    public AgentPublisher(RedisEndpoint redis, String session, String host, int maxBuffered) {
        this.redis = redis;
        this.session = session;
        this.host = host;
        this.maxBuffered = maxBuffered;
        try (Jedis j = redis.connect(Duration.ofSeconds(5))) {
            j.ping(); // fail at start with a clear error rather than later
        }
        this.sender = Thread.ofPlatform().daemon().name("latscope-publisher").start(this::run);
    }

    /** A record already encoded (to publish the same one many times, e.g. in benchmarks). */
    public record Encoded(byte type, byte[] payload) {
    }

    public static Encoded encode(AgentRecord r) {
        return new Encoded(RecordCodec.type(r), RecordCodec.payload(r));
    }

    /** Queues a record; false (and counted as lost) when the buffer is full. */
    public boolean publish(AgentRecord r) {
        return publish(encode(r));
    }

    public boolean publish(Encoded e) {
        byte type = e.type();
        byte[] data = e.payload();
        lock.lock();
        try {
            if (unacked.size() >= maxBuffered) {
                lost.incrementAndGet();
                return false;
            }
            unacked.addLast(new Pending(nextSeq++, type, data));
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Records refused because the buffer was full (Redis away or the controller behind). */
    public long lost() {
        return lost.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    /** Time since the controller's heartbeat was last seen in Redis. */
    public Duration sinceControllerBeat() {
        return Duration.ofNanos(System.nanoTime() - lastControllerBeat);
    }

    public int buffered() {
        lock.lock();
        try {
            return unacked.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Jedis j = null;
        long backoff = 50;
        while (true) {
            try {
                if (j == null) {
                    j = redis.connect(Duration.ofSeconds(2));
                    lock.lock();
                    try {
                        sentUpTo = ackedUpTo; // a new Redis may have lost what was sent: send again
                    } finally {
                        lock.unlock();
                    }
                    backoff = 50;
                }
                sendPending(j);
                // Polling is kept rare: a controller may have a thousand agents on one Redis.
                long now = System.nanoTime();
                boolean waiting;
                lock.lock();
                try {
                    waiting = !unacked.isEmpty();
                } finally {
                    lock.unlock();
                }
                if (waiting && now - lastAckRead > 100_000_000L) {
                    readAck(j);
                    lastAckRead = now;
                }
                if (now - lastBeatCheck > 1_000_000_000L) {
                    if (j.exists(Streams.alive(session))) {
                        lastControllerBeat = System.nanoTime();
                    }
                    lastBeatCheck = now;
                }
                lock.lock();
                try {
                    if (closing && unacked.isEmpty()) {
                        break;
                    }
                    if (nextSeq - 1 == sentUpTo) {
                        changed.awaitNanos(100_000_000);
                    }
                } finally {
                    lock.unlock();
                }
            } catch (JedisException | LatScopeException e) {
                if (j != null) {
                    reconnects.incrementAndGet();
                    LOG.warn("Redis connection lost ({}); buffering {} records and retrying", e.getMessage(), buffered());
                    close(j);
                    j = null;
                }
                if (closing && Thread.currentThread().isInterrupted()) {
                    break;
                }
                sleep(backoff);
                backoff = Math.min(backoff * 2, 1000);
            } catch (InterruptedException e) {
                break;
            }
        }
        close(j);
    }

    private void sendPending(Jedis j) {
        while (true) {
            java.util.List<Pending> batch = new java.util.ArrayList<>(256);
            lock.lock();
            try {
                for (Pending q : unacked) {
                    if (q.seq() > sentUpTo) {
                        batch.add(q);
                        if (batch.size() == 256) {
                            break;
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            if (batch.isEmpty()) {
                return;
            }
            byte[] key = Streams.sessionStream(session);
            byte[] hostBytes = Streams.bytes(host);
            try (Pipeline pipe = j.pipelined()) {
                for (Pending p : batch) {
                    Map<byte[], byte[]> fields = new HashMap<>();
                    fields.put(Streams.F_SEQ, ByteBuffer.allocate(8).putLong(p.seq()).array());
                    fields.put(Streams.F_TYPE, new byte[] {p.type()});
                    fields.put(Streams.F_DATA, p.data());
                    fields.put(Streams.F_HOST, hostBytes);
                    pipe.xadd(key, XAddParams.xAddParams(), fields);
                }
                pipe.sync();
            }
            lock.lock();
            try {
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
                while (!unacked.isEmpty() && unacked.peekFirst().seq() <= acked) {
                    unacked.removeFirst();
                }
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for everything to be acknowledged; returns whether it was. */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!unacked.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, 50_000_000));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Flushes (bounded), then stops the sender. Records still unacknowledged count as lost. */
    @Override
    public void close() {
        flush(Duration.ofSeconds(5));
        closing = true;
        lock.lock();
        try {
            lost.addAndGet(unacked.size());
            unacked.clear();
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
}
