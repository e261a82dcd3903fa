package io.latscope.store.memory;

import io.latscope.LatencyReport;
import io.latscope.error.ConfigurationException;
import io.latscope.MarkerRecord;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import io.latscope.store.StoreHealth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps results in this JVM's heap, for tests, jshell and short runs. Thread-safe. Nothing
 * is ever pending, so {@link #flush(Duration)} returns at once. {@link #close()} keeps the
 * data: {@code Stores.inMemory()} hands the same store to every {@code open()}, so results
 * can be read after the session that wrote them has closed it.
 */
public final class InMemoryStore implements ResultStore {
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong written = new AtomicLong();

    private static final class Session {
        volatile SessionInfo info;
        final List<LatencyReport> intervals = new ArrayList<>();
        final List<MarkerRecord> markers = new ArrayList<>();

        Session(SessionInfo info) {
            this.info = info;
        }
    }

    @Override
    public String description() {
        return "in-memory store@" + Integer.toHexString(System.identityHashCode(this));
    }

    @Override
    public void sessionStarted(SessionInfo session) {
        if (sessions.putIfAbsent(session.id(), new Session(session)) != null) {
            throw new ConfigurationException("session '" + session.id() + "' was already started in " + description());
        }
        written.incrementAndGet();
    }

    @Override
    public void intervalClosed(LatencyReport interval) {
        if (!interval.isInterval()) {
            throw new ConfigurationException("intervalClosed takes interval reports; got the cumulative report of "
                    + interval.sessionId());
        }
        Session s = started(interval.sessionId());
        synchronized (s) {
            s.intervals.add(interval);
        }
        written.incrementAndGet();
    }

    @Override
    public void markers(String sessionId, List<MarkerRecord> records) {
        Session s = started(sessionId);
        synchronized (s) {
            s.markers.addAll(records);
        }
        written.addAndGet(records.size());
    }

    @Override
    public void sessionEnded(String sessionId, Instant end) {
        Session s = started(sessionId);
        s.info = s.info.withEnd(end);
        written.incrementAndGet();
    }

    @Override
    public void flush(Duration timeout) {
        // Everything is in memory as soon as it is handed over.
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth(0, 0, written.get(), 0, null, null);
    }

    @Override
    public List<SessionInfo> sessions() {
        return sessions.values().stream().map(s -> s.info)
                .sorted(Comparator.comparing(SessionInfo::start).reversed()).toList();
    }

    @Override
    public Optional<SessionInfo> session(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId)).map(s -> s.info);
    }

    @Override
    public Optional<LatencyReport> load(String sessionId) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return Optional.empty();
        }
        List<LatencyReport> list = intervals(sessionId);
        SessionInfo info = s.info;
        Instant end = info.end() != null ? info.end() : list.isEmpty() ? info.start() : list.getLast().end();
        return Optional.of(LatencyReport.merge(sessionId, info.start(), end, list));
    }

    @Override
    public List<LatencyReport> intervals(String sessionId) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            return List.copyOf(s.intervals);
        }
    }

    @Override
    public List<MarkerRecord> markers(String sessionId, int limit) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            return List.copyOf(s.markers.subList(0, Math.min(limit, s.markers.size())));
        }
    }

    @Override
    public void close() {
        // Keeps the data; see the class comment.
    }

    private Session started(String sessionId) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            throw new ConfigurationException("session '" + sessionId + "' was not started in " + description()
                    + "; call sessionStarted first");
        }
        return s;
    }
}
