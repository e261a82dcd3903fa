package io.latscope.store.mysql;

import io.latscope.Credentials;
import io.latscope.Durations;
import io.latscope.StoreSpec;
import io.latscope.error.ConfigurationException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A MySQL 8 or MariaDB 10.11+ store to open: where, as whom, and how the write path
 * buffers. {@code jdbcUrl} never holds a password (it is moved into {@code credentials}).
 *
 * @param batchRows        rows per transaction; 1 writes row at a time (only for comparison)
 * @param maxBufferedBytes pending data kept in memory while the database is slow or away;
 *                         beyond it, data goes to a spill file in {@code spillDirectory}
 * @param connectTimeout   how long one connection attempt may take
 * @param maxRetryBackoff  the longest wait between two attempts while the database is away
 * @param closeTimeout     how long {@code close()} waits for pending data before keeping it
 *                         in a spill file that the next store on this database replays
 * @param readOnly         only read: no schema changes, no write privileges needed
 */
public record MySqlStoreSpec(String jdbcUrl, Credentials credentials, int batchRows, long maxBufferedBytes,
                             Path spillDirectory, Duration connectTimeout, Duration maxRetryBackoff, Duration closeTimeout,
                             boolean readOnly) {
    private static final Set<String> OPTIONS = Set.of("batchRows", "maxBufferedBytes", "spillDirectory", "connectTimeout",
            "maxRetryBackoff", "closeTimeout", "readOnly");

    public MySqlStoreSpec {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(spillDirectory, "spillDirectory");
        if (batchRows < 1) {
            throw new ConfigurationException("batchRows must be at least 1, not " + batchRows);
        }
        if (maxBufferedBytes < 1) {
            throw new ConfigurationException("maxBufferedBytes must be positive, not " + maxBufferedBytes);
        }
        positive("connectTimeout", connectTimeout);
        positive("maxRetryBackoff", maxRetryBackoff);
        positive("closeTimeout", closeTimeout);
    }

    static MySqlStoreSpec defaults(String jdbcUrl, Credentials credentials) {
        return new MySqlStoreSpec(jdbcUrl, credentials, 2000, 32L << 20,
                Path.of(System.getProperty("java.io.tmpdir"), "latscope-spill"), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(30), false);
    }

    /** The defaults with string options ({@code batchRows=500}, {@code closeTimeout=10s}, ...) applied. */
    public static MySqlStoreSpec fromOptions(String jdbcUrl, Credentials credentials, Map<String, String> options) {
        MySqlStoreSpec s = defaults(MySqlUrl.parse(jdbcUrl).jdbcUrl(), credentials);
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue().strip();
            s = switch (e.getKey()) {
                case "batchRows" -> s.withBatchRows(Math.toIntExact(parseLong(e.getKey(), v)));
                case "maxBufferedBytes" -> s.withMaxBufferedBytes(parseLong(e.getKey(), v));
                case "spillDirectory" -> s.withSpillDirectory(Path.of(v));
                case "connectTimeout" -> s.withConnectTimeout(Durations.parse(v));
                case "maxRetryBackoff" -> s.withMaxRetryBackoff(Durations.parse(v));
                case "closeTimeout" -> s.withCloseTimeout(Durations.parse(v));
                case "readOnly" -> Boolean.parseBoolean(v) ? s.asReadOnly() : s;
                default -> throw new ConfigurationException("unknown MySQL store option '" + e.getKey() + "'; options are "
                        + OPTIONS.stream().sorted().toList());
            };
        }
        return s;
    }

    /**
     * The typed settings of a spec made by {@link MySqlStoreProvider}.
     *
     * @param spec a {@code jdbc:mysql:} or {@code jdbc:mariadb:} spec with credentials
     * @return its settings
     */
    public static MySqlStoreSpec of(StoreSpec spec) {
        if (spec.credentials() == null) {
            throw new ConfigurationException("the MySQL store " + spec.url() + " needs credentials");
        }
        return fromOptions(spec.url(), spec.credentials(), spec.options());
    }

    /** @return the store, opened (connected, created or upgraded) */
    public io.latscope.store.ResultStore open() {
        return MySqlStore.open(this);
    }

    /** @return this as the plain spec a session carries */
    public StoreSpec toStoreSpec() {
        MySqlStoreSpec d = defaults(jdbcUrl, credentials);
        java.util.Map<String, String> o = new java.util.TreeMap<>();
        if (batchRows != d.batchRows) {
            o.put("batchRows", Integer.toString(batchRows));
        }
        if (maxBufferedBytes != d.maxBufferedBytes) {
            o.put("maxBufferedBytes", Long.toString(maxBufferedBytes));
        }
        if (!spillDirectory.equals(d.spillDirectory)) {
            o.put("spillDirectory", spillDirectory.toString());
        }
        if (!connectTimeout.equals(d.connectTimeout)) {
            o.put("connectTimeout", connectTimeout.toMillis() + "ms");
        }
        if (!maxRetryBackoff.equals(d.maxRetryBackoff)) {
            o.put("maxRetryBackoff", maxRetryBackoff.toMillis() + "ms");
        }
        if (!closeTimeout.equals(d.closeTimeout)) {
            o.put("closeTimeout", closeTimeout.toMillis() + "ms");
        }
        if (readOnly) {
            o.put("readOnly", "true");
        }
        return new StoreSpec(jdbcUrl, credentials, o);
    }

    public String description() {
        return "mysql " + jdbcUrl + " as " + credentials.user() + (readOnly ? " (read-only)" : "");
    }

    public MySqlStoreSpec withBatchRows(int rows) {
        return new MySqlStoreSpec(jdbcUrl, credentials, rows, maxBufferedBytes, spillDirectory, connectTimeout,
                maxRetryBackoff, closeTimeout, readOnly);
    }

    public MySqlStoreSpec withMaxBufferedBytes(long bytes) {
        return new MySqlStoreSpec(jdbcUrl, credentials, batchRows, bytes, spillDirectory, connectTimeout,
                maxRetryBackoff, closeTimeout, readOnly);
    }

    public MySqlStoreSpec withSpillDirectory(Path dir) {
        return new MySqlStoreSpec(jdbcUrl, credentials, batchRows, maxBufferedBytes, dir, connectTimeout,
                maxRetryBackoff, closeTimeout, readOnly);
    }

    public MySqlStoreSpec withConnectTimeout(Duration timeout) {
        return new MySqlStoreSpec(jdbcUrl, credentials, batchRows, maxBufferedBytes, spillDirectory, timeout,
                maxRetryBackoff, closeTimeout, readOnly);
    }

    public MySqlStoreSpec withMaxRetryBackoff(Duration backoff) {
        return new MySqlStoreSpec(jdbcUrl, credentials, batchRows, maxBufferedBytes, spillDirectory, connectTimeout,
                backoff, closeTimeout, readOnly);
    }

    public MySqlStoreSpec withCloseTimeout(Duration timeout) {
        return new MySqlStoreSpec(jdbcUrl, credentials, batchRows, maxBufferedBytes, spillDirectory, connectTimeout,
                maxRetryBackoff, timeout, readOnly);
    }

    /** Reading only: for analysts with SELECT privileges; write calls throw. */
    public MySqlStoreSpec asReadOnly() {
        return new MySqlStoreSpec(jdbcUrl, credentials, batchRows, maxBufferedBytes, spillDirectory, connectTimeout,
                maxRetryBackoff, closeTimeout, true);
    }

    private static long parseLong(String key, String v) {
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigurationException("MySQL store option " + key + " must be a whole number, not '" + v + "'");
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigurationException(name + " must be a positive duration, not " + d);
        }
    }
}
