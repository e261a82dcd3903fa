package io.latscope.transport;

import io.latscope.error.ConfigurationException;
import io.latscope.error.LatScopeException;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.time.Duration;

/**
 * Where the agents and the controller meet: {@code redis://[user@]host[:port][/db]}. The
 * password comes from the caller or the {@code LATSCOPE_REDIS_PASSWORD} environment
 * variable, never from the URL, and is never written to Redis or to logs.
 */
public record RedisEndpoint(String host, int port, int database, String user, String password) {
    public static final String PASSWORD_ENV = io.latscope.RedisSpec.PASSWORD_ENV;

    public static RedisEndpoint parse(String url, String password) {
        return of(io.latscope.RedisSpec.parse(url, password));
    }

    /**
     * @param spec where the session's Redis is
     * @return its endpoint (password from the spec, else {@value #PASSWORD_ENV})
     */
    public static RedisEndpoint of(io.latscope.RedisSpec spec) {
        return new RedisEndpoint(spec.host(), spec.port(), spec.database(), spec.user(),
                spec.password() == null ? System.getenv(PASSWORD_ENV) : spec.password().value());
    }

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
