package io.latscope.store.mysql;

import com.mysql.cj.jdbc.MysqlDataSource;
import com.zaxxer.hikari.HikariDataSource;
import io.latscope.LatencyReport;
import io.latscope.CumulativeReport;
import io.latscope.error.ConfigurationException;
import io.latscope.MarkerRecord;
import io.latscope.store.mysql.MySqlStoreSpec;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import io.latscope.error.StoreException;
import io.latscope.store.StoreHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The MySQL/MariaDB store. Opening it checks the database at once (reachable, credentials,
 * database, privileges) and brings the schema up to date; writes are turned into rows on
 * the caller's thread, buffered ({@link WriteBuffer}) and written in batches by one
 * {@link WriterThread}; reads go through a second pooled connection.
 */
public final class MySqlStore implements ResultStore {
    private static final Logger LOG = LoggerFactory.getLogger(MySqlStore.class);

    private final MySqlStoreSpec spec;
    private final MySqlUrl url;
    private final HikariDataSource pool;
    private final WriteBuffer buffer;
    private final WriterThread writer;
    private final Map<String, SessionKeys> sessions = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private MySqlStore(MySqlStoreSpec spec, MySqlUrl url, HikariDataSource pool, WriteBuffer buffer, WriterThread writer) {
        this.spec = spec;
        this.url = url;
        this.pool = pool;
        this.buffer = buffer;
        this.writer = writer;
    }

    /** Opens the store or fails with a {@link StoreException} naming the cause; nothing is left open then. */
    public static MySqlStore open(MySqlStoreSpec spec) {
        MySqlUrl url = MySqlUrl.parse(spec.jdbcUrl());
        String what = "cannot open result store " + spec.description();
        MysqlDataSource driver;
        try {
            driver = Connections.driver(url, spec.credentials(), spec);
            // A direct connection first: a wrong password or a stopped server fails here, now,
            // with the driver's own error rather than after a pool's timeout.
            try (Connection c = driver.getConnection()) {
                prepareSchema(c, url, spec.readOnly());
            }
        } catch (SQLException e) {
            throw SqlErrors.describe(what, e, url, spec.credentials().user());
        }
        HikariDataSource pool = Connections.pool(driver, url, spec);
        if (spec.readOnly()) {
            return new MySqlStore(spec, url, pool, null, null);
        }
        try {
            WriteBuffer buffer = new WriteBuffer(spec.maxBufferedBytes(), spillDirectory(spec, url));
            long replay = buffer.adoptLeftovers();
            if (replay > 0) {
                LOG.info("result store {}: replaying {} items that an earlier store could not write", spec.description(), replay);
            }
            WriterThread writer = new WriterThread(spec.description(), buffer, new BatchWriter(pool, spec.batchRows() == 1),
                    spec.batchRows(), spec.maxRetryBackoff());
            writer.start();
            return new MySqlStore(spec, url, pool, buffer, writer);
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw new StoreException(what + ": cannot use the spill directory " + spec.spillDirectory() + ": " + e, e);
        }
    }

    private static void prepareSchema(Connection c, MySqlUrl url, boolean readOnly) throws SQLException {
        int version = Migrations.currentVersion(c);
        Migrations.checkKnown(version, url.database());
        if (readOnly) {
            if (version == 0) {
                throw new StoreException("database '" + url.database() + "' at " + url.hostPort()
                        + " holds no LatScope results yet (no schema); open it for writing once to create the schema");
            }
            if (version < Migrations.latest()) {
                throw new StoreException("database '" + url.database() + "' at " + url.hostPort() + " has LatScope schema"
                        + " version " + version + ", older than this LatScope reads (" + Migrations.latest()
                        + "); open it for writing once, as a user who may CREATE and ALTER, to upgrade it");
            }
            return;
        }
        if (version < Migrations.latest()) {
            Migrations.migrate(c, url.database(), Migrations.latest());
        }
        WritePrivileges.check(c);
    }

    /** One directory per database, so a store replays only what was meant for its database. */
    private static Path spillDirectory(MySqlStoreSpec spec, MySqlUrl url) {
        return spec.spillDirectory().resolve((url.hostPort() + "_" + url.database()).replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    @Override
    public String description() {
        return spec.description();
    }

    // ---- write side --------------------------------------------------------------------

    @Override
    public void sessionStarted(SessionInfo session) {
        writable();
        RowSet rows = ReportRows.sessionStarted(session);
        if (sessions.putIfAbsent(session.id(), new SessionKeys(session.id())) != null) {
            throw new ConfigurationException("session '" + session.id() + "' was already started in " + description());
        }
        buffer.add(rows);
    }

    @Override
    public void intervalClosed(LatencyReport interval) {
        writable();
        if (!interval.isInterval()) {
            throw new ConfigurationException("intervalClosed takes interval reports; got the cumulative report of "
                    + interval.sessionId());
        }
        SessionKeys keys = started(interval.sessionId());
        buffer.add(ReportRows.interval(keys, keys.nextInterval(), interval));
    }

    @Override
    public void markers(String sessionId, List<MarkerRecord> records) {
        writable();
        SessionKeys keys = started(sessionId);
        // Row sets of about one batch each: the unit that is buffered, spilled and retried.
        for (int from = 0; from < records.size(); from += spec.batchRows()) {
            List<MarkerRecord> part = records.subList(from, Math.min(records.size(), from + spec.batchRows()));
            buffer.add(ReportRows.markers(keys, keys.reserveRecords(part.size()), part));
        }
    }

    @Override
    public void sessionEnded(String sessionId, Instant end) {
        writable();
        started(sessionId);
        buffer.add(ReportRows.sessionEnded(sessionId, end));
        sessions.remove(sessionId);
    }

    @Override
    public void flush(Duration timeout) {
        if (buffer == null) {
            return;
        }
        long target = buffer.added();
        try {
            if (!buffer.awaitWritten(target, timeout)) {
                StoreHealth h = health();
                throw new StoreException("result store " + description() + ": " + h.pending() + " items still pending after "
                        + timeout.toMillis() / 1000.0 + " s (" + h.spilled() + " spilled to disk); last error: " + h.lastError());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while flushing " + description(), e);
        }
    }

    @Override
    public StoreHealth health() {
        if (buffer == null) {
            return new StoreHealth(0, 0, 0, 0, null, null);
        }
        String error = writer.lastError() != null ? writer.lastError() : buffer.spillError();
        return new StoreHealth(buffer.pending(), buffer.spilled(), buffer.writtenItems(), writer.retries(), error,
                writer.lastErrorAt());
    }

    private void writable() {
        if (buffer == null) {
            throw new ConfigurationException("result store " + description() + " was opened read-only");
        }
        if (closed.get()) {
            throw new StoreException("result store " + description() + " is closed");
        }
    }

    private SessionKeys started(String sessionId) {
        SessionKeys k = sessions.get(sessionId);
        if (k == null) {
            throw new ConfigurationException("session '" + sessionId + "' was not started in " + description()
                    + " (or has ended); call sessionStarted first");
        }
        return k;
    }

    // ---- read side ---------------------------------------------------------------------

    @Override
    public List<SessionInfo> sessions() {
        return read("listing sessions", c -> SessionReader.sessions(c, null));
    }

    @Override
    public Optional<SessionInfo> session(String sessionId) {
        return read("reading session '" + sessionId + "'", c -> SessionReader.sessions(c, sessionId)).stream().findFirst();
    }

    @Override
    public Optional<LatencyReport> load(String sessionId) {
        return read("loading session '" + sessionId + "'", c -> {
            List<SessionInfo> found = SessionReader.sessions(c, sessionId);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            SessionInfo s = found.getFirst();
            CumulativeReport total = new CumulativeReport().provenance(io.latscope.Provenance.parse(s.spec()));
            Instant[] lastEnd = {s.start()};
            IntervalReader.forEach(c, sessionId, r -> {
                total.add(r);
                lastEnd[0] = r.end();
            });
            return Optional.of(total.build(sessionId, s.start(), s.end() != null ? s.end() : lastEnd[0]));
        });
    }

    @Override
    public List<LatencyReport> intervals(String sessionId) {
        List<LatencyReport> out = new ArrayList<>();
        forEachInterval(sessionId, out::add);
        return out;
    }

    @Override
    public void forEachInterval(String sessionId, Consumer<LatencyReport> action) {
        read("reading the intervals of session '" + sessionId + "'", c -> {
            IntervalReader.forEach(c, sessionId, action);
            return null;
        });
    }

    @Override
    public List<MarkerRecord> markers(String sessionId, int limit) {
        return read("reading the markers of session '" + sessionId + "'", c -> SessionReader.markers(c, sessionId, limit));
    }

    private interface Read<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T read(String what, Read<T> r) {
        if (closed.get()) {
            throw new StoreException("result store " + description() + " is closed");
        }
        try (Connection c = pool.getConnection()) {
            return r.apply(c);
        } catch (SQLException e) {
            throw SqlErrors.describe(what + " from " + description(), e, url, spec.credentials().user());
        }
    }

    // ---- lifecycle ---------------------------------------------------------------------

    /**
     * Waits up to the spec's close timeout for pending data; what the database still has not
     * taken then is saved to a spill file that the next store on this database replays.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (buffer != null) {
                closeWriter();
            }
        } finally {
            pool.close();
        }
    }

    private void closeWriter() {
        long target = buffer.added();
        try {
            buffer.awaitWritten(target, spec.closeTimeout());
            if (!writer.stop(Duration.ofSeconds(5))) {
                LOG.warn("result store {}: the writer did not stop within 5 s", description());
            }
            long pending = buffer.pending();
            Path kept = buffer.persistUnwritten();
            if (kept != null) {
                LOG.warn("result store {}: the database did not take {} items within {} s ({}); they are kept in {}"
                        + " and will be written by the next store opened on this database", description(), pending,
                        spec.closeTimeout().toSeconds(), writer.lastError(), kept);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("result store {}: interrupted while closing; {} items not saved", description(), buffer.pending());
        } catch (IOException e) {
            LOG.error("result store {}: cannot save {} pending items to disk: {}", description(), buffer.pending(), e.toString());
        }
    }
}
