package io.latscope.sync;

import io.latscope.error.ConfigurationException;
import io.latscope.error.LatScopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Clock sync of a set of hosts against a reference host, usable on its own or inside a
 * latency session. {@link #start} starts the responders (unless they run elsewhere) and
 * the initiator, runs the first round before it returns — so every host has a model —
 * and then re-syncs every {@link SyncStrategy#interval()} in the background.
 *
 * <pre>{@code
 * try (ClockSync sync = ClockSync.start(xdp(), SyncHost.of("a", nsA, "va-b", "10.0.0.1"),
 *                                      SyncHost.of("b", nsB, "vb-a", "10.0.0.2"))) {
 *     long onA = sync.model("b").toReference(stampTakenOnB);
 * }
 * }</pre>
 *
 * Thread-safe. {@link #close()} stops the re-sync and detaches everything, in reverse
 * order of start; it is idempotent.
 */
public final class ClockSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClockSync.class);
    /** Models kept per host: a day of one-second rounds. */
    static final int HISTORY = 86_400;
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("latscope-sync-cleaner").factory());

    private final SyncStrategy strategy;
    private final SessionKey key;
    private final SyncHost reference;
    private final List<SyncHost> hosts;
    private final List<SyncResponder> responders = new ArrayList<>();
    private final Map<String, ClockEstimator> estimators = new LinkedHashMap<>();
    private final Map<String, ClockModel> models = new ConcurrentHashMap<>();
    private final Map<String, ClockHistory> histories = new ConcurrentHashMap<>();
    private final Map<String, ProbeRound> lastRounds = new ConcurrentHashMap<>();
    private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
    /** Per host, the bursts of the round being spread over the interval (guarded by this). */
    private final Map<String, List<ProbeRound>> spreading = new LinkedHashMap<>();
    private int ticks; // bursts sent of the round being spread (guarded by this)
    /** Hosts whose burst failed in the round being spread: not probed again until the next round (guarded by this). */
    private final Set<String> failedThisRound = new HashSet<>();
    private SyncInitiator initiator;
    private ScheduledExecutorService scheduler;
    private Cleaner.Cleanable schedulerGuard;
    private volatile boolean closed;

    private ClockSync(SyncStrategy strategy, SessionKey key, SyncHost reference, List<SyncHost> hosts) {
        this.strategy = strategy;
        this.key = key;
        this.reference = reference;
        this.hosts = List.copyOf(hosts);
        models.put(reference.name(), ClockModel.identity(reference.name(), reference.name(), "reference"));
        for (SyncHost h : hosts) {
            if (h.name().equals(reference.name()) || estimators.containsKey(h.name())) {
                throw new ConfigurationException("clock sync: host name " + h.name() + " is used twice");
            }
            estimators.put(h.name(), new ClockEstimator(h.name(), reference.name(), strategy.method(), strategy.estimator()));
            histories.put(h.name(), new ClockHistory(HISTORY));
        }
    }

    /**
     * Starts responders on {@code hosts} and syncs them to {@code reference}.
     *
     * @param strategy  how probes are stamped and the estimator's settings, e.g. {@link Sync#xdp()}
     * @param reference the host whose clock the others are mapped to; the initiator runs there
     * @param hosts     the hosts to sync; names unique, none the reference's
     * @return the running sync, every host with a model from the first round
     * @throws io.latscope.error.SyncTimeoutException when a host does not answer the first round
     * @throws ConfigurationException when a name is used twice or an interface does not exist
     */
    public static ClockSync start(SyncStrategy strategy, SyncHost reference, SyncHost... hosts) {
        return start(strategy, reference, List.of(hosts));
    }

    /**
     * Starts responders on {@code hosts} and syncs them to {@code reference}; probes are
     * signed with a fresh random key when the strategy authenticates.
     *
     * @param strategy  how probes are stamped and the estimator's settings
     * @param reference the host whose clock the others are mapped to
     * @param hosts     the hosts to sync
     * @return the running sync, every host with a model from the first round
     * @throws io.latscope.error.SyncTimeoutException when a host does not answer the first round
     * @throws ConfigurationException when a name is used twice or an interface does not exist
     */
    public static ClockSync start(SyncStrategy strategy, SyncHost reference, List<SyncHost> hosts) {
        SessionKey key = strategy.authenticate() ? SessionKey.random() : SessionKey.unauthenticated();
        return start(strategy, key, reference, hosts, true);
    }

    /**
     * Syncs {@code hosts} whose responders run elsewhere (each host's agent runs
     * {@link SyncResponder#start} with the same {@code key}); only the initiator runs here.
     *
     * @param strategy  how probes are stamped and the estimator's settings
     * @param key       the session key the remote responders were given
     * @param reference the host whose clock the others are mapped to
     * @param hosts     the hosts to sync, as the initiator reaches them
     * @return the running sync, every host with a model from the first round
     * @throws io.latscope.error.SyncTimeoutException when a host does not answer the first round
     */
    public static ClockSync startWithRemoteResponders(SyncStrategy strategy, SessionKey key, SyncHost reference,
                                                      List<SyncHost> hosts) {
        return start(strategy, key, reference, hosts, false);
    }

    private static ClockSync start(SyncStrategy strategy, SessionKey key, SyncHost reference, List<SyncHost> hosts,
                                   boolean localResponders) {
        ClockSync s = new ClockSync(strategy, key, reference, hosts);
        if (strategy.kind() == SyncStrategy.Kind.NONE) {
            for (SyncHost h : hosts) {
                s.models.put(h.name(), ClockModel.identity(h.name(), reference.name(), strategy.method()));
            }
            return s;
        }
        List<SyncHost> all = new ArrayList<>(hosts);
        all.add(reference);
        // every interface exists, before anything is attached; remote responders' interfaces
        // are on their own hosts (their agents check them)
        for (SyncHost h : localResponders ? all : List.of(reference)) {
            XdpEndpoint.ifindex(h);
        }
        try {
            if (localResponders) {
                for (SyncHost h : hosts) {
                    s.responders.add(SyncResponder.start(strategy, h, key, all));
                }
            }
            s.initiator = SyncInitiator.start(strategy, reference, key, all);
            for (SyncHost h : hosts) {
                s.syncHost(h, true);
            }
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name("latscope-clock-sync").unstarted(r));
            s.scheduler = scheduler;
            // the timer holds the sync weakly: a sync nobody closed can still be collected, and then
            // the timer stops and the BPF objects' own guards release (and report) the kernel resources
            WeakReference<ClockSync> ref = new WeakReference<>(s);
            // a round spread over the interval: one burst per host every interval / bursts
            long every = strategy.interval().toNanos() / strategy.burstsPerRound();
            scheduler.scheduleWithFixedDelay(() -> {
                ClockSync live = ref.get();
                if (live != null) {
                    live.resyncQuietly();
                }
            }, every, every, TimeUnit.NANOSECONDS);
            String what = s.toString();
            s.schedulerGuard = CLEANER.register(s, () -> {
                if (!scheduler.isShutdown()) {
                    LOG.warn("leak: {} was not closed; stopping its re-sync", what);
                    scheduler.shutdownNow();
                }
            });
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Runs one round for every host now (also done every interval in the background).
     *
     * @throws io.latscope.error.SyncTimeoutException when a host does not answer
     * @throws IllegalStateException when closed
     */
    public void syncNow() {
        requireOpen();
        for (SyncHost h : hosts) {
            syncHost(h, true);
        }
    }

    /**
     * One tick of the background re-sync: a burst to every host, and after the round's last
     * burst its model. Failures are kept in failures(); the last model stays in use.
     */
    private synchronized void resyncQuietly() {
        int bursts = strategy.burstsPerRound();
        if (bursts == 1) {
            hosts.forEach(h -> syncHost(h, false));
            return;
        }
        boolean last = ++ticks == bursts;
        if (last) {
            ticks = 0;
        }
        for (SyncHost h : hosts) {
            if (closed) {
                return;
            }
            List<ProbeRound> round = spreading.computeIfAbsent(h.name(), k -> new ArrayList<>());
            // a host that did not answer may keep the others waiting for its timeout: once per round
            if (!failedThisRound.contains(h.name())) {
                try {
                    round.add(initiator.probe(h, strategy.probesPerBurst()));
                } catch (RuntimeException e) {
                    failedThisRound.add(h.name());
                    fail(h, e);
                }
            }
            if (last && !round.isEmpty()) {
                try {
                    publish(h, ProbeRound.merge(round));
                } catch (RuntimeException e) {
                    fail(h, e);
                }
                round.clear();
            }
        }
        if (last) {
            failedThisRound.clear();
        }
    }

    private void fail(SyncHost h, RuntimeException e) {
        failures.put(h.name(), e);
        LOG.warn("clock sync of {} failed; keeping its last model: {}", h.name(), e.getMessage());
    }

    /** Fits the round in and publishes the model (first in the history: a model not in it is never published). */
    private void publish(SyncHost h, ProbeRound round) {
        lastRounds.put(h.name(), round);
        ClockEstimator est = estimators.get(h.name());
        est.addRound(round.samples(), round.method());
        est.model().ifPresent(m -> {
            histories.get(h.name()).add(m);
            models.put(h.name(), m);
        });
        failures.remove(h.name());
    }

    private synchronized void syncHost(SyncHost h, boolean rethrow) {
        if (closed && !rethrow) {
            return;
        }
        try {
            publish(h, initiator.probe(h, strategy.probes()));
        } catch (RuntimeException e) {
            if (rethrow) {
                failures.put(h.name(), e);
                throw e;
            }
            fail(h, e);
        }
    }

    /**
     * The current model of {@code host} (the reference's is the identity).
     *
     * @param host a host's name
     * @return its newest model; after a failed round, the last good one
     * @throws ConfigurationException when the sync has no such host
     */
    public ClockModel model(String host) {
        ClockModel m = models.get(host);
        if (m == null) {
            throw new ConfigurationException("clock sync has no host " + host + "; hosts: " + models.keySet());
        }
        return m;
    }

    /**
     * Maps a timestamp {@code host} took at any time of the session to the reference clock,
     * with the model fitted around that time ({@link ClockHistory}).
     *
     * @param host       a host's name
     * @param localNanos a CLOCK_MONOTONIC timestamp taken on it
     * @return the same instant on the reference's CLOCK_MONOTONIC, in nanoseconds
     * @throws ConfigurationException when the sync has no such host
     */
    public long toReference(String host, long localNanos) {
        ClockHistory h = histories.get(host);
        if (h == null || h.size() == 0) {
            return model(host).toReference(localNanos); // the reference itself, or none()
        }
        return h.toReference(localNanos);
    }

    /**
     * The models {@code host} had so far, for timestamps from earlier in the session.
     *
     * @param host a synced host's name (not the reference)
     * @return its history, the newest day of models
     * @throws ConfigurationException when the sync keeps no history for it
     */
    public ClockHistory history(String host) {
        ClockHistory h = histories.get(host);
        if (h == null) {
            throw new ConfigurationException("clock sync keeps no history for " + host + "; hosts: " + histories.keySet());
        }
        return h;
    }

    /**
     * Every host's current model, the reference's included.
     *
     * @return host name to model; a copy
     */
    public Map<String, ClockModel> models() {
        return Map.copyOf(models);
    }

    /**
     * The latest round of probes to {@code host}, to see what the estimator was given.
     *
     * @param host a host's name
     * @return the round, or empty if none ran
     */
    public Optional<ProbeRound> lastRound(String host) {
        return Optional.ofNullable(lastRounds.get(host));
    }

    /**
     * Why the latest round to {@code host} failed, if it did; background rounds fail quietly,
     * keeping the last model.
     *
     * @param host a host's name
     * @return the failure, or empty when the latest round succeeded
     */
    public Optional<RuntimeException> lastFailure(String host) {
        return Optional.ofNullable(failures.get(host));
    }

    /**
     * What responders on each host answered and ignored, e.g. to spot forged or stray probes.
     *
     * @return host name to its responder's counters; empty for remote responders
     */
    public Map<String, ResponderStats> responderStats() {
        Map<String, ResponderStats> out = new LinkedHashMap<>();
        for (SyncResponder r : responders) {
            out.put(r.host().name(), r.stats());
        }
        return out;
    }

    /**
     * How this sync stamps and estimates.
     *
     * @return the strategy it was started with
     */
    public SyncStrategy strategy() {
        return strategy;
    }

    /**
     * The session's key, for responders started elsewhere.
     *
     * @return the key probes are signed with (an unauthenticated key when the strategy does not sign)
     */
    public SessionKey sessionKey() {
        return key;
    }

    /**
     * The host the others are mapped to.
     *
     * @return the reference given at start
     */
    public SyncHost reference() {
        return reference;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("clock sync is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> errors = new ArrayList<>();
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (schedulerGuard != null) {
                schedulerGuard.clean();
            }
        }
        synchronized (this) {
            if (initiator != null) {
                closeQuietly(initiator, errors);
            }
            for (SyncResponder r : responders.reversed()) {
                closeQuietly(r, errors);
            }
        }
        if (!errors.isEmpty()) {
            LatScopeException e = new LatScopeException("closing clock sync: " + errors.getFirst().getMessage(), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable c, List<RuntimeException> errors) {
        try {
            c.close();
        } catch (RuntimeException e) {
            errors.add(e);
        } catch (Exception e) {
            errors.add(new LatScopeException(e.getMessage(), e));
        }
    }

    @Override
    public String toString() {
        return "ClockSync[" + strategy.method() + ", reference " + reference.name() + ", hosts "
                + hosts.stream().map(SyncHost::name).toList() + (closed ? ", closed" : "") + "]";
    }
}
