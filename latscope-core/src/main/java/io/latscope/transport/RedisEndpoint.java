package io.latscope.transport;

import io.latscope.error.ConfigurationException;
import io.latscope.error.LatScopeException;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * Where the agents and the controller meet: {@code redis://[user@]host[:port][/db]}. The
 * password comes from the caller or the {@code LATSCOPE_REDIS_PASSWORD} environment
 * variable, never from the URL, and is never written to Redis or to logs.
 */
public record RedisEndpoint(String host, int port, int database, String user, String password) {
    public static final String PASSWORD_ENV = "LATSCOPE_REDIS_PASSWORD";

    public static RedisEndpoint parse(String url, String password) {
        try {
            URI u = new URI(url);
            if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
                throw new ConfigurationException("Redis URL must look like redis://host:port/db, got '" + url + "'");
            }
            if (u.getUserInfo() != null && u.getUserInfo().contains(":")) {
                throw new ConfigurationException("put the Redis password in " + PASSWORD_ENV
                        + " or pass it separately, not in the URL");
            }
            int db = 0;
            String path = u.getPath();
            if (path != null && path.length() > 1) {
                db = Integer.parseInt(path.substring(1));
            }
            String pw = password != null ? password : System.getenv(PASSWORD_ENV);
            return new RedisEndpoint(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379, db, u.getUserInfo(), pw);
        } catch (URISyntaxException | NumberFormatException e) {
            throw new ConfigurationException("invalid Redis URL '" + url + "': " + e.getMessage(), e);
        }
    }

    /** The URL without secrets (for agents' command lines and messages). */
    public String url() {
        return "redis://" + (user == null ? "" : user + "@") + host + ":" + port + "/" + database;
    }

    /** A new connection, authenticated; fails with a message naming the endpoint and the cause. */
    public Jedis connect(Duration timeout) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) timeout.toMillis())
                .socketTimeoutMillis((int) Math.max(timeout.toMillis(), 2000))
                .database(database)
                .clientName("latscope");
        if (user != null) {
            b.user(user);
        }
        if (password != null && !password.isEmpty()) {
            b.password(password);
        }
        Jedis j = null;
        try {
            j = new Jedis(new HostAndPort(host, port), b.build());
            j.ping();
            return j;
        } catch (JedisAccessControlException e) {
            close(j);
            if (e.getMessage() != null && e.getMessage().contains("NOAUTH")) {
                throw new LatScopeException("Redis at " + host + ":" + port + " requires a password: set " + PASSWORD_ENV);
            }
            throw new LatScopeException("Redis at " + host + ":" + port + " refused the credentials" + (user == null ? "" : " of user " + user)
                    + ": " + e.getMessage());
        } catch (JedisDataException e) {
            close(j);
            String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.contains("NOAUTH")) {
                throw new LatScopeException("Redis at " + host + ":" + port + " requires a password: set " + PASSWORD_ENV);
            }
            throw new LatScopeException("Redis at " + host + ":" + port + ": " + m, e);
        } catch (JedisConnectionException e) {
            close(j);
            throw new LatScopeException("Redis at " + host + ":" + port + " is unreachable (" + rootMessage(e)
                    + "); start it or pass the right URL", e);
        }
    }

    private static void close(Jedis j) {
        if (j != null) {
            j.close();
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    @Override
    public String toString() {
        return url() + (password == null || password.isEmpty() ? "" : " (with password)");
    }
}
