package io.latscope.store;

import io.latscope.LatencyReport;
import io.latscope.ReportComparison;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

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

    /** Sampled per-marker records (each marker's timestamps at every probe point), in the order they were sampled. */
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

    /**
     * The session's interval reports in time order. Each holds decoded histograms (tens of
     * kilobytes per hop), so for long sessions prefer {@link #forEachInterval}.
     */
    List<LatencyReport> intervals(String sessionId);

    /** The session's interval reports in time order, one at a time, without holding them all. */
    default void forEachInterval(String sessionId, Consumer<LatencyReport> action) {
        intervals(sessionId).forEach(action);
    }

    List<MarkerRecord> markers(String sessionId, int limit);

    /**
     * Two stored sessions hop by hop (p50/p90/p99/max deltas and ratios).
     *
     * @throws StoreException when either session is not in this store
     */
    default ReportComparison compare(String baselineSessionId, String candidateSessionId) {
        return ReportComparison.of(require(baselineSessionId), require(candidateSessionId));
    }

    private LatencyReport require(String sessionId) {
        return load(sessionId).orElseThrow(() -> new StoreException("no session '" + sessionId + "' in " + description()
                + "; sessions() lists those it holds"));
    }

    /** Flushes what is pending (bounded wait), then releases connections. Idempotent. */
    @Override
    void close();
}
