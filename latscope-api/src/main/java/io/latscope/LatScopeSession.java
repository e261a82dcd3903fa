package io.latscope;

import java.util.Map;

/**
 * A running measurement. Thread-safe. {@link #close()} detaches every probe, flushes the
 * store (if any) and freezes the results: {@link #snapshot()} after close returns the
 * final report.
 */
public interface LatScopeSession extends AutoCloseable {
    /**
     * The session's id, under which a store keeps its reports.
     *
     * @return unique per started session
     */
    String id();

    /**
     * What this session measures.
     *
     * @return the spec it was started from
     */
    SessionSpec spec();

    /**
     * Everything measured since start, as of now (in-flight markers join later snapshots).
     * Take two and use {@link LatencyReport#since(LatencyReport)} for the time in between.
     *
     * @return a cumulative report; after {@link #close()}, the final one
     */
    LatencyReport snapshot();

    /**
     * Hops that were asked for but cannot be measured on this kernel, with the reason.
     *
     * @return hop to reason; empty when every hop asked for is attached
     */
    Map<Hop, String> unavailable();

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    boolean isClosed();

    /**
     * Whether every record the session's hosts made has arrived: LIVE, DEGRADED while some are
     * held up (Redis or the result store unreachable, a host silent), LOST with what each
     * host lost for good. A session on this host alone has no transport and is always LIVE.
     *
     * @return the session's health now (after close: as it ended)
     */
    default SessionHealth health() {
        return SessionHealth.live(java.time.Instant.EPOCH);
    }

    /**
     * Detaches every probe, flushes the store and freezes the results. Calling it again does
     * nothing.
     */
    @Override
    void close();
}
