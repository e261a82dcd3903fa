package io.latscope.store;

import io.latscope.LatencyReport;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a session's results are kept. A live session hands each interval report and
 * each batch of sampled marker records to the store as they are produced; the write
 * methods never block the measuring threads for long (implementations buffer and write
 * in batches) and never lose data silently ({@link #health()} reports what is pending,
 * spilled or failed). Implementations are found through {@link ResultStoreProvider}.
 */
public interface ResultStore extends AutoCloseable {
    /** Human-readable, without secrets, e.g. "mysql jdbc:mysql://127.0.0.1:3306/test as root". */
    String description();

    // ---- write side (called by a live session) ----------------------------------------

    void sessionStarted(SessionInfo session);

    /** One interval's report ({@link LatencyReport#isInterval()} is true). */
    void intervalClosed(LatencyReport interval);

    /** Sampled per-marker records (each marker's timestamps at every probe point). */
    void markers(String sessionId, List<MarkerRecord> records);

    void sessionEnded(String sessionId, Instant end);

    /** Waits until everything handed over so far is durable, or throws after {@code timeout}. */
    void flush(Duration timeout);

    StoreHealth health();

    // ---- read side ---------------------------------------------------------------------

    /** Sessions, newest first. */
    List<SessionInfo> sessions();

    Optional<SessionInfo> session(String sessionId);

    /** The whole session as one cumulative report (all intervals merged), as a live session would give it. */
    Optional<LatencyReport> load(String sessionId);

    /** The session's interval reports in time order. */
    List<LatencyReport> intervals(String sessionId);

    List<MarkerRecord> markers(String sessionId, int limit);

    /** Flushes what is pending (bounded wait), then releases connections. Idempotent. */
    @Override
    void close();
}
