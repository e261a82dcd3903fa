package io.latscope.store;

import io.latscope.LatencyReport;
import io.latscope.MarkerRecord;
import io.latscope.ReportComparison;
import io.latscope.error.StoreException;

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
    /**
     * The store as messages name it.
     *
     * @return human-readable, without secrets, e.g. "mysql jdbc:mysql://127.0.0.1:3306/test as root"
     */
    String description();

    // ---- write side (called by a live session) ----------------------------------------

    /**
     * A session started; called before anything else of it is written.
     *
     * @param session its id, label, start, hosts and spec; {@code end} is null
     */
    void sessionStarted(SessionInfo session);

    /**
     * One interval's report ({@link LatencyReport#isInterval()} is true).
     *
     * @param interval the report, in the order the intervals closed
     */
    void intervalClosed(LatencyReport interval);

    /**
     * Sampled per-marker records (each marker's timestamps at every probe point), in the order they were sampled.
     *
     * @param sessionId the session they are of
     * @param records   a batch of records; may be empty
     */
    void markers(String sessionId, List<MarkerRecord> records);

    /**
     * A session ended; nothing more of it is written.
     *
     * @param sessionId the session
     * @param end       when it ended
     */
    void sessionEnded(String sessionId, Instant end);

    /**
     * Waits until everything handed over so far is durable, or throws after {@code timeout}.
     *
     * @param timeout the longest to wait
     * @throws StoreException when not everything was durable in time, naming the last error
     */
    void flush(Duration timeout);

    /**
     * The write path's state, cheap enough to poll.
     *
     * @return what is pending, spilled, written and failed
     */
    StoreHealth health();

    // ---- read side ---------------------------------------------------------------------

    /**
     * Sessions, newest first.
     *
     * @return every session this store holds; empty when none
     */
    List<SessionInfo> sessions();

    /**
     * One session's description.
     *
     * @param sessionId the session's id
     * @return its info, or empty when the store does not hold it
     */
    Optional<SessionInfo> session(String sessionId);

    /**
     * The whole session as one cumulative report (all intervals merged), as a live session would give it.
     *
     * @param sessionId the session's id
     * @return the report, or empty when the store does not hold the session
     */
    Optional<LatencyReport> load(String sessionId);

    /**
     * The session's interval reports in time order. Each holds decoded histograms (tens of
     * kilobytes per hop), so for long sessions prefer {@link #forEachInterval}.
     *
     * @param sessionId the session's id
     * @return its interval reports; empty when there are none or the session is unknown
     */
    List<LatencyReport> intervals(String sessionId);

    /**
     * The session's interval reports in time order, one at a time, without holding them all.
     *
     * @param sessionId the session's id
     * @param action    called with each interval report in turn
     */
    default void forEachInterval(String sessionId, Consumer<LatencyReport> action) {
        intervals(sessionId).forEach(action);
    }

    /**
     * The session's sampled marker records, in the order they were sampled.
     *
     * @param sessionId the session's id
     * @param limit     the most to return
     * @return at most {@code limit} records; empty when none were sampled
     */
    List<MarkerRecord> markers(String sessionId, int limit);

    /**
     * Two stored sessions hop by hop (p50/p90/p99/max deltas and ratios).
     *
     * @param baselineSessionId  the reference session
     * @param candidateSessionId the session judged against it
     * @return their comparison
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
