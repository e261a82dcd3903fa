package io.latscope.remote;

import io.latscope.SessionHealth;
import io.latscope.store.StoreHealth;
import io.latscope.transport.AgentRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A multi-host session's {@link SessionHealth}: what the controller knows about its records'
 * way — whether it reaches Redis, when each host was last heard, what each host reported
 * lost, whether the result store keeps up — and the log lines when that changes.
 */
final class HealthMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    /** What the controller knows of one host. */
    private static final class HostView {
        volatile long lastRecordNanos = System.nanoTime();
        volatile boolean done; // said goodbye: silent from now on
        SessionHealth.Loss loss;
    }

    /** The controller's own view at one moment, for {@link #now}. */
    record Inputs(Duration redisAway, String redisError, StoreHealth store) {
    }

    private final Map<String, HostView> hosts = new ConcurrentHashMap<>();
    private final Duration silentAfter;
    private final Duration budget;
    private SessionHealth.State state = SessionHealth.State.LIVE;
    private Set<String> causeKeys = Set.of();
    private Instant since = Instant.now();

    /**
     * @param hosts    the session's hosts
     * @param interval how often each agent sends an interval report
     * @param budget   how long agents keep records they cannot deliver
     */
    HealthMonitor(List<String> hosts, Duration interval, Duration budget) {
        hosts.forEach(h -> this.hosts.put(h, new HostView()));
        this.silentAfter = Duration.ofMillis(Math.max(3000, 3 * interval.toMillis()));
        this.budget = budget;
    }

    void heard(String host) {
        hosts.get(host).lastRecordNanos = System.nanoTime();
    }

    /** The host's agent said goodbye: its silence from now on is no trouble. */
    void done(String host) {
        hosts.get(host).done = true;
    }

    /** The host's agent is gone without a goodbye: a loss for good, counted once. */
    void exited(String host, String why) {
        HostView v = hosts.get(host);
        if (!v.done) {
            v.done = true;
            addLoss(host, new SessionHealth.Loss(0, 0, 0, why));
            LOG.warn("host {}: {}", host, why);
        }
    }

    /** Whether a host has been silent for longer than three intervals. */
    boolean anySilent() {
        long now = System.nanoTime();
        for (HostView v : hosts.values()) {
            if (!v.done && now - v.lastRecordNanos > silentAfter.toNanos()) {
                return true;
            }
        }
        return false;
    }

    /** An agent's note of records it could not keep. */
    void lost(String host, AgentRecord.Lost l) {
        addLoss(host, new SessionHealth.Loss(l.records(), l.intervals(), l.markerParts(), l.reason()));
        LOG.warn("host {} lost {} records ({} intervals, {} marker parts): {}", host, l.records(), l.intervals(),
                l.markerParts(), l.reason());
    }

    /** An agent's note of an outage it rode out. */
    void outage(String host, AgentRecord.Outage o) {
        LOG.info("host {} could not deliver for {} ms ({}); it kept {} records ({} in its spill file) and sent them in order",
                host, o.endMillis() - o.startMillis(), o.cause(), o.kept(), o.spilled());
    }

    void addLoss(String host, SessionHealth.Loss l) {
        HostView v = hosts.get(host);
        synchronized (v) {
            v.loss = v.loss == null ? l : v.loss.plus(l);
        }
    }

    /** The health now; logs when its state or the kinds of its causes changed. */
    synchronized SessionHealth now(Inputs in) {
        return evaluate(in, true);
    }

    /**
     * The health as a result store keeps it with an interval: without the store's own trouble.
     * What the store could not write yet is spilled and written later, and a session read back
     * then has it, so a stored "the result store cannot write" would be stale by the time anyone
     * reads it. Logs nothing and changes nothing.
     */
    synchronized SessionHealth forStore(Inputs in) {
        return evaluate(new Inputs(in.redisAway(), in.redisError(), null), false);
    }

    private SessionHealth evaluate(Inputs in, boolean record) {
        Map<String, String> causes = new LinkedHashMap<>();
        long redisAwayMs = in.redisAway().toMillis();
        if (redisAwayMs > 0) {
            causes.put("redis", "Redis unreachable from the controller for " + seconds(in.redisAway())
                    + (in.redisError() == null ? "" : " (" + in.redisError() + ")")
                    + ": every host's records since are held up"
                    + (in.redisAway().compareTo(budget) > 0 ? ", and beyond the " + seconds(budget)
                    + " outage budget hosts lose what they make (counted when Redis is back)" : ""));
        } else {
            long now = System.nanoTime();
            hosts.forEach((h, v) -> {
                Duration quiet = Duration.ofNanos(now - v.lastRecordNanos);
                if (!v.done && quiet.compareTo(silentAfter) > 0) {
                    causes.put("silent:" + h, "no record from " + h + " for " + seconds(quiet)
                            + " (it cannot reach Redis, or is stalled): its records are held up there");
                }
            });
        }
        if (in.store() != null && !in.store().healthy()) {
            StoreHealth s = in.store();
            causes.put("store", "the result store cannot write (" + s.lastError() + "): " + s.pending()
                    + " items pending, " + s.spilled() + " spilled to disk, to be written when it is back");
        }
        Map<String, SessionHealth.Loss> lost = new java.util.TreeMap<>(); // by host, as stores read them back
        hosts.forEach((h, v) -> {
            synchronized (v) {
                if (v.loss != null) {
                    lost.put(h, v.loss);
                }
            }
        });
        SessionHealth.State s = !lost.isEmpty() ? SessionHealth.State.LOST
                : !causes.isEmpty() ? SessionHealth.State.DEGRADED : SessionHealth.State.LIVE;
        if (!record) {
            return new SessionHealth(s, s == state ? since : Instant.now(), List.copyOf(causes.values()), lost);
        }
        if (s != state) {
            since = Instant.now();
        }
        SessionHealth h = new SessionHealth(s, since, List.copyOf(causes.values()), lost);
        if (s != state || !causes.keySet().equals(causeKeys)) {
            if (s == SessionHealth.State.LIVE) {
                LOG.info("{}", h);
            } else {
                LOG.warn("{}", h);
            }
            state = s;
            causeKeys = Set.copyOf(causes.keySet());
        }
        return h;
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms >= 120_000 && ms % 60_000 == 0 ? ms / 60_000 + " min" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
