package io.latscope.remote;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.SessionSpec;
import io.latscope.agent.HopPresentation;
import io.latscope.agent.HopRecorders;
import io.latscope.error.LatScopeException;
import io.latscope.sync.ClockModel;
import io.latscope.sync.ClockSync;
import io.latscope.sync.SessionKey;
import io.latscope.sync.SyncHost;
import io.latscope.sync.SyncStrategy;
import io.latscope.transport.AgentRecord;
import io.latscope.transport.ControllerReader;
import io.latscope.transport.RedisEndpoint;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The controller of a multi-host session: starts an agent per host, reads what they send
 * through Redis, maps every host's timestamps to the reference clock (latscope-sync),
 * joins markers across hosts into NETWORK and END_TO_END, and merges the hosts' in-host
 * hops into one {@link LatencyReport}.
 */
public final class RemoteSession implements LatScopeSession {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteSession.class);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(60);

    private final String id = UUID.randomUUID().toString();
    private final SessionSpec spec;
    private final Instant started = Instant.now();
    private final Map<String, RemoteTarget> targets = new LinkedHashMap<>();
    private final Map<String, AgentLauncher.RunningAgent> agents = new LinkedHashMap<>();
    private final Map<String, HostState> hosts = new ConcurrentHashMap<>();
    private final Map<String, Deque<String>> logs = new ConcurrentHashMap<>();
    private final HopRecorders crossHost = new HopRecorders();
    private final CrossHostJoiner joiner;
    private final CountDownLatch hellos;
    private final ClockSync clocks;
    private final ControllerReader reader;
    private final Thread expirer;
    private final io.latscope.store.ResultStore store;
    private final java.util.concurrent.ScheduledExecutorService ticker;
    private volatile LatencyReport finalReport;
    private Instant lastCrossInterval = Instant.now();

    /** What one host has reported so far. */
    private static final class HostState {
        final Map<Hop, Histogram> hops = new HashMap<>();
        final Map<FlowKey, Map<Hop, Histogram>> flowHops = new HashMap<>();
        Counters counters = Counters.EMPTY;
        List<ProbeCost> costs = List.of();
        final Map<Hop, String> unavailable = new LinkedHashMap<>();
        final io.latscope.agent.FlowTotals flows = new io.latscope.agent.FlowTotals();
        final Map<Long, ProcessStats> processes = new LinkedHashMap<>();
        volatile String bye;
        volatile boolean helloSeen;

        boolean helloSeen() {
            return helloSeen;
        }
    }

    private RemoteSession(SessionSpec spec, List<RemoteTarget> targets, RedisEndpoint redis, SyncStrategy sync,
                          SyncHost reference) {
        this.spec = spec;
        for (RemoteTarget t : targets) {
            if (this.targets.put(t.label(), t) != null) {
                throw new io.latscope.error.ConfigurationException("two hosts are labelled " + t.label());
            }
            hosts.put(t.label(), new HostState());
            logs.put(t.label(), new ArrayDeque<>());
        }
        this.hellos = new CountDownLatch(targets.size());
        this.joiner = new CrossHostJoiner(this::toReference, crossHost, spec.includeRetransmissions(),
                spec.markerTimeout().toNanos() * 4, spec.markerListener());
        this.reader = new ControllerReader(redis, id, new ArrayList<>(this.targets.keySet()), this::onRecord);
        ClockSync cs = null;
        try {
            SessionKey key = SessionKey.random();
            for (RemoteTarget t : targets) {
                AgentConfig cfg = config(t, redis, sync, key);
                Map<String, String> env = new HashMap<>();
                if (redis.password() != null) {
                    env.put(RedisEndpoint.PASSWORD_ENV, redis.password());
                }
                agents.put(t.label(), t.launcher().launch(cfg, env, line -> log(t.label(), line)));
            }
            awaitHellos();
            if (sync != null && sync.kind() != SyncStrategy.Kind.NONE) {
                List<SyncHost> syncHosts = targets.stream().map(RemoteTarget::syncHost).toList();
                cs = ClockSync.startWithRemoteResponders(sync, key, reference, syncHosts);
            }
        } catch (RuntimeException e) {
            stopAgents();
            reader.close();
            throw e;
        }
        this.clocks = cs;
        io.latscope.store.ResultStore st = null;
        if (spec.store() != null) {
            try {
                st = spec.store().open();
                st.sessionStarted(new io.latscope.store.SessionInfo(id, spec.label(), started, null, targets.stream()
                        .map(t -> new io.latscope.store.HostInfo(t.label(), t.syncHost() == null ? "" :
                                t.syncHost().address().getHostAddress(), io.latscope.store.HostInfo.Kind.BARE_METAL, null,
                                t.syncHost() == null ? List.of() : List.of(t.syncHost().ifname()))).toList(), spec.toString()));
            } catch (RuntimeException e) {
                if (cs != null) {
                    cs.close();
                }
                stopAgents();
                reader.close();
                throw e;
            }
        }
        this.store = st;
        this.ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("latscope-controller-interval").factory());
        long ms = spec.interval().toMillis();
        ticker.scheduleAtFixedRate(this::crossHostInterval, ms, ms, TimeUnit.MILLISECONDS);
        this.expirer = Thread.ofPlatform().daemon().name("latscope-join-expiry").start(() -> {
            while (finalReport == null) {
                joiner.expire(System.nanoTime());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Starts agents on every target and waits until all measure; fails naming each host that did not. */
    public static RemoteSession start(SessionSpec spec, List<RemoteTarget> targets, RedisEndpoint redis,
                                      SyncStrategy sync, SyncHost reference) {
        return new RemoteSession(spec, targets, redis, sync, reference);
    }

    private AgentConfig config(RemoteTarget t, RedisEndpoint redis, SyncStrategy sync, SessionKey key) {
        return new AgentConfig(id, t.label(), spec.layers(), spec.ports(), List.of(), spec.allNamespaces(),
                spec.strideBytes(), spec.interval(), spec.markerTimeout(), spec.probeCost(), spec.syscallBoundaries(),
                spec.ringBufferBytes(), redis.url(), Duration.ofSeconds(10), 1_000_000,
                sync == null || t.syncHost() == null ? null : AgentConfig.SyncSettings.of(sync, key, t.syncHost()));
    }

    private void log(String host, String line) {
        LOG.info("[{}] {}", host, line);
        Deque<String> d = logs.get(host);
        synchronized (d) {
            d.addLast(line);
            while (d.size() > 20) {
                d.removeFirst();
            }
        }
    }

    private void awaitHellos() {
        try {
            long deadline = System.nanoTime() + HELLO_TIMEOUT.toNanos();
            while (!hellos.await(200, TimeUnit.MILLISECONDS)) {
                List<String> failed = new ArrayList<>();
                agents.forEach((h, a) -> {
                    if (!a.isAlive() && !hosts.get(h).helloSeen()) {
                        failed.add(h + " (agent exited with status " + a.exitStatus().orElse(-1) + "; last output: "
                                + tail(h) + ")");
                    }
                });
                if (!failed.isEmpty()) {
                    throw new LatScopeException("agents failed to start: " + String.join("; ", failed));
                }
                if (System.nanoTime() > deadline) {
                    List<String> silent = new ArrayList<>();
                    hosts.forEach((h, s) -> {
                        if (!s.helloSeen()) {
                            silent.add(h + " (last output: " + tail(h) + ")");
                        }
                    });
                    throw new LatScopeException("no word from the agents on " + String.join(", ", silent) + " within "
                            + HELLO_TIMEOUT.toSeconds() + " s (can they reach Redis at " + "the session's URL?)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted while starting agents", e);
        }
    }

    private String tail(String host) {
        Deque<String> d = logs.get(host);
        synchronized (d) {
            return d.isEmpty() ? "(none)" : String.join(" | ", d);
        }
    }

    // ---- records from agents (reader thread) ------------------------------------------

    private void onRecord(String host, long seq, AgentRecord r) {
        HostState s = hosts.get(host);
        switch (r) {
            case AgentRecord.Hello h -> {
                h.unavailable().forEach((hop, why) -> s.unavailable.put(Hop.parse(hop).in(host), why));
                s.helloSeen = true;
                hellos.countDown();
            }
            case AgentRecord.Interval i -> {
                LatencyReport rescoped = rescoped(host, i.report());
                merge(s, rescoped);
                if (store != null) {
                    store.intervalClosed(rescoped);
                }
            }
            case AgentRecord.Markers m -> {
                long now = System.nanoTime();
                m.parts().forEach(p -> joiner.add(host, p, now));
            }
            case AgentRecord.Bye b -> s.bye = b.reason();
        }
    }

    /** A host's interval report as part of this session: hops scoped by host ("local" is the host itself). */
    private LatencyReport rescoped(String host, LatencyReport r) {
        LatencyReport.Builder b = LatencyReport.builder(id).period(r.start(), r.end()).interval(true).counters(r.counters());
        // the decoded report is ours alone: its histograms move over without copies
        for (HopStats h : r.hops()) {
            b.takeHop(rescope(host, h.hop(), r), h.histogram());
        }
        r.hopsByFlow().forEach((flow, hs) -> hs.forEach(h -> b.takeFlowHop(flow, rescope(host, h.hop(), r), h.histogram())));
        r.probeCosts().forEach(c -> b.probeCost(new ProbeCost(c.program(), host + ": " + c.attachPoint(), c.runs(), c.meanNanos())));
        r.unavailable().forEach((h, why) -> b.unavailable(h.in(host), why));
        r.flows().forEach(b::flow);
        r.processes().forEach(p -> b.process(new ProcessStats(host, p.pid(), p.command(), p.flow(), p.cpuPercent(), p.rssBytes())));
        return b.build();
    }

    /** Adds one (rescoped) interval of a host. */
    private void merge(HostState s, LatencyReport r) {
        synchronized (s) {
            for (HopStats h : r.hops()) {
                add(s.hops, h.hop(), h.histogram(), false);
            }
            r.hopsByFlow().forEach((flow, hs) -> {
                Map<Hop, Histogram> m = s.flowHops.computeIfAbsent(flow, f -> new HashMap<>());
                for (HopStats h : hs) {
                    add(m, h.hop(), h.histogram(), true);
                }
            });
            s.counters = s.counters.plus(r.counters());
            if (!r.probeCosts().isEmpty()) {
                s.costs = r.probeCosts();
            }
            s.flows.add(r.flows());
            r.processes().forEach(p -> s.processes.put(p.pid(), p));
        }
    }

    /** Each interval: the controller's own hops (NETWORK, END_TO_END) to the store. */
    private void crossHostInterval() {
        if (store == null || finalReport != null) {
            return;
        }
        try {
            HopRecorders.Totals t = crossHost.closeInterval();
            Instant now = Instant.now();
            LatencyReport.Builder b = LatencyReport.builder(id).period(lastCrossInterval, now).interval(true);
            HopPresentation.addTo(b, t.hops(), t.flows());
            lastCrossInterval = now;
            store.intervalClosed(b.build());
        } catch (RuntimeException e) {
            LOG.warn("controller interval: {}", e.toString());
        }
    }

    private static Hop rescope(String host, Hop h, LatencyReport r) {
        String scope = h.isScoped() ? h.scope() : r.soleScope(h);
        return h.in(scope == null || scope.equals("local") ? host : host + "/" + scope);
    }

    /**
     * Adds {@code v} into the accumulator, visiting only recorded values: a plain
     * {@code Histogram.add} walks the whole counts array, which for a controller merging
     * hundreds of hosts' reports a second is most of its work.
     */
    private static void add(Map<Hop, Histogram> m, Hop h, Histogram v, boolean perFlow) {
        Histogram acc = m.computeIfAbsent(h, k -> perFlow ? LatencyReport.newFlowHistogram() : LatencyReport.newHistogram());
        for (org.HdrHistogram.HistogramIterationValue x : v.recordedValues()) {
            acc.recordValueWithCount(x.getValueIteratedTo(), x.getCountAtValueIteratedTo());
        }
    }

    private long toReference(String host, long nanos) {
        return clocks == null ? nanos : clocks.toReference(host, nanos);
    }

    // ---- reports ----------------------------------------------------------------------

    @Override
    public LatencyReport snapshot() {
        LatencyReport f = finalReport;
        return f != null ? f : report(Instant.now());
    }

    private LatencyReport report(Instant end) {
        Map<Hop, Histogram> hops = new HashMap<>();
        Map<FlowKey, Map<Hop, Histogram>> flowHops = new HashMap<>();
        HopRecorders.Totals cross = crossHost.cumulative();
        cross.hops().forEach((h, v) -> add(hops, h, v, false));
        cross.flows().forEach((f, m) -> m.forEach((h, v) -> add(flowHops.computeIfAbsent(f, k -> new HashMap<>()), h, v, true)));
        Counters counters = Counters.EMPTY;
        LatencyReport.Builder b = LatencyReport.builder(id).period(started, end);
        for (Map.Entry<String, HostState> e : hosts.entrySet()) {
            HostState s = e.getValue();
            synchronized (s) {
                s.hops.forEach((h, v) -> add(hops, h, v, false));
                s.flowHops.forEach((f, m) -> m.forEach((h, v) -> add(flowHops.computeIfAbsent(f, k -> new HashMap<>()), h, v, true)));
                counters = counters.plus(s.counters);
                s.costs.forEach(b::probeCost);
                s.unavailable.forEach(b::unavailable);
                s.flows.totals(started, end).forEach(b::flow);
                s.processes.values().forEach(b::process);
            }
        }
        // Parts that crossed a host edge count as incomplete on their host; the join decides.
        CrossHostJoiner.Stats js = joiner.stats();
        Counters c = counters;
        b.counters(new Counters(c.markersPerPoint(), c.markersMatched() + js.joined(),
                Math.max(0, c.markersIncomplete() - js.parts()) + js.unjoined(), c.markersRetransmitted(),
                c.ringBufferDrops(), c.eventsReceived()));
        HopPresentation.addTo(b, hops, flowHops);
        if (clocks != null) {
            for (Map.Entry<String, ClockModel> e : clocks.models().entrySet()) {
                ClockModel m = e.getValue();
                if (!e.getKey().equals(clocks.reference().name())) {
                    b.clock(new ClockEstimate(m.host(), m.reference(), Instant.now(), m.anchorNanos(),
                            -Math.round(m.offsetNanos()), -m.driftPpb(), m.errorBoundNanos(), m.probesUsed()));
                }
            }
        }
        return b.build();
    }

    // ---- lifecycle --------------------------------------------------------------------

    @Override
    public String id() {
        return id;
    }

    @Override
    public SessionSpec spec() {
        return spec;
    }

    @Override
    public Map<Hop, String> unavailable() {
        Map<Hop, String> out = new LinkedHashMap<>();
        hosts.values().forEach(s -> out.putAll(s.unavailable));
        return Collections.unmodifiableMap(out);
    }

    @Override
    public boolean isClosed() {
        return finalReport != null;
    }

    /** Records processed, duplicates dropped, records that never arrived, Redis reconnects. */
    public ControllerReader.Stats transportStats() {
        return reader.stats();
    }

    /** The last lines each agent printed (for diagnosis). */
    public Map<String, String> agentLogs() {
        Map<String, String> out = new LinkedHashMap<>();
        logs.keySet().forEach(h -> out.put(h, tail(h)));
        return out;
    }

    @Override
    public synchronized void close() {
        if (finalReport != null) {
            return;
        }
        stopAgents(); // each agent flushes its last interval and markers, then says bye
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && hosts.values().stream().anyMatch(s -> s.bye == null)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        hosts.forEach((h, s) -> {
            if (s.bye == null) {
                LOG.warn("agent {} did not say goodbye; its last records may be missing", h);
            }
        });
        joiner.expireAll();
        ticker.shutdownNow();
        crossHostIntervalFinal();
        finalReport = report(Instant.now());
        expirer.interrupt();
        if (store != null) {
            try {
                store.sessionEnded(id, finalReport.end());
            } finally {
                store.close();
            }
        }
        if (clocks != null) {
            clocks.close();
        }
        reader.close();
    }

    private void crossHostIntervalFinal() {
        if (store != null) {
            crossHostInterval();
        }
    }

    private void stopAgents() {
        List<Thread> stoppers = new ArrayList<>();
        for (AgentLauncher.RunningAgent a : agents.values()) {
            stoppers.add(Thread.ofPlatform().start(a::close));
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "RemoteSession[" + id + ", hosts " + targets.keySet() + (isClosed() ? ", closed" : "") + "]";
    }
}
