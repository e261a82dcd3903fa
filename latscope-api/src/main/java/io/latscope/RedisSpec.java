package io.latscope;

import io.latscope.error.ConfigurationException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where remote hosts' agents meet the controller: a Redis server every host can reach.
 *
 * @param host     the server's host name or address
 * @param port     its port
 * @param database the database number
 * @param user     an ACL user, or null
 * @param password its password (never printed), or null
 * @param outageBudget how long each agent keeps its records while it cannot deliver them (Redis
 *                     unreachable, or the controller cut off from it) — in memory, then in a spill
 *                     file — to send them in order when Redis is back; what it makes after that is
 *                     counted as lost, per host ({@link SessionHealth}). Default {@link #DEFAULT_OUTAGE_BUDGET}
 * @param outageSpillBytes the most each agent writes to its spill file in one outage (default
 *                     {@link #DEFAULT_OUTAGE_SPILL_BYTES}); beyond it, records are lost as beyond the budget
 */
public record RedisSpec(String host, int port, int database, String user, Secret password, Duration outageBudget,
                        long outageSpillBytes) {
    /** The environment variable a password is taken from when none is given. */
    public static final String PASSWORD_ENV = "LATSCOPE_REDIS_PASSWORD";
    /** Default outage budget: 5 minutes. */
    public static final Duration DEFAULT_OUTAGE_BUDGET = Duration.ofMinutes(5);
    /** Default bound of an agent's spill file: 1 GiB. */
    public static final long DEFAULT_OUTAGE_SPILL_BYTES = 1L << 30;
    /** Longest outage budget: a day. */
    public static final Duration MAX_OUTAGE_BUDGET = Duration.ofDays(1);
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%\\[\\]-]{1,253}");

    /** Checks every part. */
    public RedisSpec {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new ConfigurationException("Redis host '" + abbreviate(host) + "' is not a host name or address");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigurationException("Redis port " + port + " is out of range 1..65535");
        }
        if (database < 0 || database > 65535) {
            throw new ConfigurationException("Redis database " + database + " is out of range");
        }
        requireBudget(outageBudget);
        requireSpill(outageSpillBytes);
    }

    /**
     * A spec with the default outage budget and spill bound.
     *
     * @param host     the server's host name or address
     * @param port     its port
     * @param database the database number
     * @param user     an ACL user, or null
     * @param password its password, or null
     */
    public RedisSpec(String host, int port, int database, String user, Secret password) {
        this(host, port, database, user, password, DEFAULT_OUTAGE_BUDGET, DEFAULT_OUTAGE_SPILL_BYTES);
    }

    /**
     * Sets how long an outage agents ride out.
     *
     * @param budget how long agents keep records they cannot deliver
     * @return a copy with that budget
     */
    public RedisSpec withOutageBudget(Duration budget) {
        return new RedisSpec(host, port, database, user, password, budget, outageSpillBytes);
    }

    /**
     * Sets the bound on an agent's spill file.
     *
     * @param bytes the most an agent spills to disk in one outage
     * @return a copy with that bound
     */
    public RedisSpec withOutageSpillBytes(long bytes) {
        return new RedisSpec(host, port, database, user, password, outageBudget, bytes);
    }

    static Duration requireBudget(Duration budget) {
        Durations.requirePositive(budget, "outage budget");
        if (budget.compareTo(MAX_OUTAGE_BUDGET) > 0) {
            throw new ConfigurationException("outage budget " + budget + " is longer than a day");
        }
        return budget;
    }

    static long requireSpill(long bytes) {
        if (bytes < 0) {
            throw new ConfigurationException("outage spill bound must be >= 0 bytes (0: memory only), got " + bytes);
        }
        return bytes;
    }

    private static String abbreviate(String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "… (" + s.length() + " characters)";
    }

    /**
     * Parses {@code redis://[user@]host[:port][/db]}.
     *
     * @param url      the URL; a password in it is refused
     * @param password the password, or null to take it from {@value #PASSWORD_ENV}
     * @return the spec
     */
    public static RedisSpec parse(String url, String password) {
        if (url == null) {
            throw new ConfigurationException("Redis URL is null; write e.g. redis://10.0.0.254:6379/0");
        }
        if (url.length() > 2048 || url.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigurationException("Redis URL '" + abbreviate(url.replaceAll("\\p{Cntrl}", "?"))
                    + "' is too long or has control characters; write e.g. redis://10.0.0.254:6379/0");
        }
        try {
            URI u = new URI(url);
            if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
                throw new ConfigurationException("Redis URL must look like redis://host:port/db, got '" + url + "'");
            }
            if (u.getUserInfo() != null && u.getUserInfo().contains(":")) {
                throw new ConfigurationException("put the Redis password in " + PASSWORD_ENV
                        + " or pass it separately, not in the URL");
            }
            if (u.getQuery() != null || u.getFragment() != null) {
                throw new ConfigurationException("Redis URL '" + url + "' has a query or fragment; write redis://host:port/db");
            }
            int db = 0;
            String path = u.getPath();
            if (path != null && path.length() > 1) {
                db = Integer.parseInt(path.substring(1));
            }
            if (u.getPort() == 0 || u.getPort() > 65535) {
                throw new ConfigurationException("Redis URL '" + url + "': port " + u.getPort() + " is out of range 1..65535");
            }
            String pw = password != null ? password : System.getenv(PASSWORD_ENV);
            return new RedisSpec(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379, db, u.getUserInfo(), Secret.of(pw));
        } catch (URISyntaxException | NumberFormatException e) {
            throw new ConfigurationException("invalid Redis URL '" + abbreviate(url) + "': " + e.getMessage(), e);
        }
    }

    /**
     * The URL to print or hand to a remote agent; the password travels apart from it.
     *
     * @return {@code redis://[user@]host:port/db}, without the password
     */
    public String url() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "redis://" + (user == null ? "" : user + "@") + h + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return url() + (password == null || password.value().isEmpty() ? "" : " (with password)");
    }
}
