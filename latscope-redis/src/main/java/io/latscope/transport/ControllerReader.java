package io.latscope.transport;

import io.latscope.error.LatScopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamEntryBinary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller's end of the transport: reads every agent's stream through a consumer
 * group, hands each record to the handler exactly once and in order per agent (a record
 * seen again after an agent re-sent it is dropped by its number; one that arrives ahead of
 * a gap waits for the agent to send the gap again), acknowledges progress for the agents,
 * keeps the lease that tells agents the controller lives, and trims what it has processed.
 * Every key of the session carries a time to live ({@value #KEY_TTL_MS} ms; the lease
 * {@value #LEASE_TTL_MS} ms), refreshed while the reader runs: a controller killed without
 * a goodbye leaves nothing behind for longer. Survives Redis restarts: it reconnects and
 * recreates its group.
 */
public final class ControllerReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerReader.class);
    /** Time to live of the controller's lease ({@code latscope:{session}:alive}). */
    public static final long LEASE_TTL_MS = 5000;
    /** Time to live of the session's stream and acknowledgment keys, refreshed every second. */
    public static final long KEY_TTL_MS = 10_000;

    /** Receives records in order per host, on the reader's thread. */
    @FunctionalInterface
    public interface Handler {
        void onRecord(String host, long seq, AgentRecord record);
    }

    private final RedisEndpoint redis;
    private final String session;
    private final List<String> hosts;
    private final Handler handler;
    private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
    private String lastId;
    private final Map<String, Long> ackWritten = new HashMap<>();
    private String trimmedTo;
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong missing = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile String lastError;
    private volatile long disconnectedSince; // nanoTime; 0 while connected
    private long lastRefresh;

    public ControllerReader(RedisEndpoint redis, String session, List<String> hosts, Handler handler) {
        this.redis = redis;
        this.session = session;
        this.hosts = List.copyOf(hosts);
        this.handler = handler;
        for (String h : hosts) {
            lastSeq.put(h, 0L);
        }
        try (Jedis j = redis.connect(Duration.ofSeconds(5))) {
            prepare(j);
        }
        this.reader = Thread.ofPlatform().daemon().name("latscope-controller-reader").start(this::run);
    }

    private void prepare(Jedis j) {
        try {
            j.xgroupCreate(Streams.sessionStream(session), Streams.GROUP, "0".getBytes(StandardCharsets.US_ASCII), true);
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().contains("BUSYGROUP")) {
                throw e;
            }
        }
        ackWritten.clear(); // a new Redis has none of them
        trimmedTo = null;
        lastRefresh = 0;
        beat(j);
    }

    /**
     * Lease, acknowledgments, times to live and trimming in one round trip (hundreds of
     * hosts: one call each would not keep up). Every key is written with its time to live,
     * and refreshed once a second.
     */
    private void beat(Jedis j) {
        long now = System.nanoTime();
        boolean refresh = now - lastRefresh > 1_000_000_000L;
        try (redis.clients.jedis.Pipeline p = j.pipelined()) {
            p.set(Streams.alive(session), "1".getBytes(StandardCharsets.US_ASCII), SetParams.setParams().px(LEASE_TTL_MS));
            if (refresh) {
                p.pexpire(Streams.sessionStream(session), KEY_TTL_MS);
                lastRefresh = now;
            }
            for (String h : hosts) {
                long seq = lastSeq.get(h);
                if (refresh || !Long.valueOf(seq).equals(ackWritten.get(h))) {
                    p.set(Streams.ack(session, h), Long.toString(seq).getBytes(StandardCharsets.US_ASCII),
                            SetParams.setParams().px(KEY_TTL_MS));
                    ackWritten.put(h, seq);
                }
            }
            if (lastId != null && !lastId.equals(trimmedTo)) {
                // everything up to the last processed entry is done with
                p.xtrim(Streams.sessionStream(session), XTrimParams.xTrimParams().minId(lastId));
                trimmedTo = lastId;
            }
            p.sync();
        }
    }

    private void run() {
        Jedis j = null;
        long backoff = 50;
        long lastBeat = 0;
        boolean pendingFirst = false;
        while (running) {
            try {
                if (j == null) {
                    j = redis.connect(Duration.ofSeconds(2));
                    prepare(j);
                    pendingFirst = true;
                    backoff = 50;
                    if (disconnectedSince != 0) {
                        LOG.info("Redis reachable again after {} ms", (System.nanoTime() - disconnectedSince) / 1_000_000);
                    }
                    disconnectedSince = 0;
                }
                Map<byte[], StreamEntryID> streams = new LinkedHashMap<>();
                streams.put(Streams.sessionStream(session), pendingFirst ? new StreamEntryID(0, 0)
                        : StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
                Map<byte[], List<StreamEntryBinary>> got = j.xreadGroupBinaryAsMap(Streams.GROUP, Streams.bytes("c"),
                        XReadGroupParams.xReadGroupParams().count(512).block(pendingFirst ? 1 : 100), streams);
                boolean any = false;
                if (got != null) {
                    for (Map.Entry<byte[], List<StreamEntryBinary>> e : got.entrySet()) {
                        List<byte[]> ids = new ArrayList<>(e.getValue().size());
                        for (StreamEntryBinary entry : e.getValue()) {
                            any = true;
                            deliver(entry);
                            ids.add(entry.getID().toString().getBytes(StandardCharsets.US_ASCII));
                        }
                        if (!ids.isEmpty()) {
                            j.xack(e.getKey(), Streams.GROUP, ids.toArray(byte[][]::new));
                            lastId = e.getValue().getLast().getID().toString();
                        }
                    }
                }
                if (pendingFirst && !any) {
                    pendingFirst = false; // pending list drained: back to new entries
                }
                long now = System.nanoTime();
                if (now - lastBeat > 100_000_000L) {
                    beat(j);
                    lastBeat = now;
                }
            } catch (JedisException | LatScopeException e) {
                lastError = e.getMessage();
                if (disconnectedSince == 0) {
                    disconnectedSince = System.nanoTime();
                }
                if (j != null) {
                    reconnects.incrementAndGet();
                    LOG.warn("Redis connection lost ({}); reconnecting", e.getMessage());
                    try {
                        j.close();
                    } catch (RuntimeException ignored) {
                        // broken already
                    }
                    j = null;
                }
                sleep(backoff);
                backoff = Math.min(backoff * 2, 1000);
            }
        }
        if (j != null) {
            j.close();
        }
    }

    private void deliver(StreamEntryBinary entry) {
        Map<String, byte[]> f = byName(entry.getFields());
        String host = new String(f.get("h"), StandardCharsets.UTF_8);
        if (!lastSeq.containsKey(host)) {
            LOG.warn("a record from {}, which is not a host of session {}: ignored", host, session);
            return;
        }
        long seq = ByteBuffer.wrap(f.get("q")).getLong();
        long last = lastSeq.get(host);
        if (seq <= last) {
            duplicates.incrementAndGet();
        } else if (seq > last + 1) {
            // records before it went missing (a stream that expired or a Redis that restarted
            // under them): the agent keeps them until acknowledged and sends them again
            if (missing.getAndIncrement() % 1000 == 0) {
                LOG.info("record {} of agent {} arrived before {}..{}: waiting for the agent to send them again", seq,
                        host, last + 1, seq - 1);
            }
        } else {
            try {
                AgentRecord r = RecordCodec.decode(f.get("t")[0], f.get("d"));
                handler.onRecord(host, seq, r);
                processed.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot process record {} of agent {}: {}", seq, host, e.toString());
            }
            lastSeq.put(host, seq);
        }
    }

    /** Stream fields by name (byte[] keys compare by identity). */
    private static Map<String, byte[]> byName(Map<byte[], byte[]> m) {
        Map<String, byte[]> out = new HashMap<>();
        m.forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8), v));
        return out;
    }

    /**
     * Records handed to the handler, duplicates dropped, records that arrived ahead of a gap
     * (dropped; the agent sends them again), reconnects, the last Redis error, and how long
     * the reader has been unable to reach Redis (zero while it can).
     */
    public record Stats(long processed, long duplicates, long missing, long reconnects, String lastError,
                        Duration disconnected) {
    }

    public Stats stats() {
        long d = disconnectedSince;
        return new Stats(processed.get(), duplicates.get(), missing.get(), reconnects.get(), lastError,
                d == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - d));
    }

    /** How long the reader has been unable to reach Redis; zero while it can. */
    public Duration disconnectedFor() {
        long d = disconnectedSince;
        return d == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - d);
    }

    public long lastSeq(String host) {
        return lastSeq.getOrDefault(host, 0L);
    }

    /** Stops reading and removes the session's keys from Redis. */
    @Override
    public void close() {
        running = false;
        try {
            reader.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Jedis j = redis.connect(Duration.ofSeconds(2))) {
            j.del(Streams.alive(session));
            j.del(Streams.sessionStream(session));
            for (String h : hosts) {
                j.del(Streams.ack(session, h));
            }
        } catch (RuntimeException e) {
            LOG.warn("could not remove session {} keys from Redis: {}", session, e.getMessage());
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
