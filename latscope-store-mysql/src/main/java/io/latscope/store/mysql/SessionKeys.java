package io.latscope.store.mysql;

import io.latscope.FlowKey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys a session's rows get when they are handed over, before any write is tried: the
 * interval number, the marker record number and flow ids. A retry therefore reuses the
 * same keys, and the database's unique keys turn it into a no-op.
 */
final class SessionKeys {
    private final String sessionId;
    private final AtomicInteger nextInterval = new AtomicInteger();
    private final AtomicLong nextRecord = new AtomicLong();
    private final Map<FlowKey, Long> flows = new ConcurrentHashMap<>();

    SessionKeys(String sessionId) {
        this.sessionId = sessionId;
    }

    String sessionId() {
        return sessionId;
    }

    int nextInterval() {
        return nextInterval.getAndIncrement();
    }

    /** The first of {@code count} consecutive record numbers. */
    long reserveRecords(int count) {
        return nextRecord.getAndAdd(count);
    }

    /**
     * The flow's id; the first time a flow is seen its {@code flows} row is added to {@code out}
     * (later rows may reach the database first: no foreign keys, so that is fine).
     */
    long flowId(FlowKey flow, java.util.List<Row> out) {
        Long id = flows.get(flow);
        if (id != null) {
            return id;
        }
        long fresh = hash(flow);
        if (flows.putIfAbsent(flow, fresh) == null) {
            out.add(Row.of(Table.FLOWS, sessionId, fresh, flow.src().getHostAddress(), flow.srcPort(),
                    flow.dst().getHostAddress(), flow.dstPort()));
        }
        return fresh;
    }

    /**
     * A stable 64-bit id from the 4-tuple, so that no counter has to survive a restart.
     * Never 0, which stands for "all flows" in hop_histograms.
     */
    static long hash(FlowKey f) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(f.src().getAddress());
            md.update((f.srcPort() + "/" + f.dstPort() + "/").getBytes(StandardCharsets.US_ASCII));
            md.update(f.dst().getAddress());
            byte[] d = md.digest();
            long id = 0;
            for (int i = 0; i < 8; i++) {
                id = id << 8 | (d[i] & 0xff);
            }
            return id == 0 ? 1 : id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
