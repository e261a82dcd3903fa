package io.latscope.remote;

import io.latscope.remote.agent.AgentConfig;
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
import io.latscope.agent.IntervalTicker;
import io.latscope.agent.SessionCloser;
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
    /** System property: seconds agents may take from their start to their first record (default 60). */
    static final String HELLO_TIMEOUT_PROPERTY = "latscope.remote.helloTimeoutSeconds";

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
    /** Cross-host intervals and health; a listener that closes the session from {@code onInterval} runs on it. */
    private final IntervalTicker ticker;
    private final HealthMonitor health;
    private final Duration outageBudget;
    private volatile boolean closing;
    /** A listener handed the last interval by {@code close()} may call close() again. */
    private final SessionCloser closer = new SessionCloser();
    private final SessionKey syncKey;
    /**
     * The clock that ages marker parts waiting for their other half: it stops while records
     * are held up (Redis unreachable from the controller, a host silent), so halves that an
     * outage delayed still meet when the agents send what they kept.
     */
    private final java.util.concurrent.atomic.AtomicLong joinClockPaused = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong intervalsToStore = new java.util.concurrent.atomic.AtomicLong();
    private volatile io.latscope.SessionHealth finalHealth;
    private volatile LatencyReport finalReport;
    private Instant lastCrossInterval = Instant.now();
    private final io.latscope.SessionListener listener;
    /** Hosts' interval reports (rescoped) since the last controller interval, for the listener's combined report. */
    private final List<LatencyReport> pendingIntervals = new ArrayList<>();

    /** What one host has reported so far. */
    /** Each host's kernel release, from its agent's hello. */
    private final Map<String, String> kernels = new java.util.concurrent.ConcurrentSkipListMap<>();

    private io.latscope.Provenance provenance() {
        return io.latscope.Provenance.of(spec, kernels);
    }

    private static final class HostState {
        final Map<Hop, Histogram> hops = new HashMap<>();
        final Map<FlowKey, Map<Hop, Histogram>> flowHops = new HashMap<>();
        Counters counters = Counters.EMPTY;
        List<ProbeCost> costs = List.of();
        final Map<Hop, String> unavailable = new LinkedHashMap<>();
        final io.latscope.agent.FlowTotals flows = new io.latscope.agent.FlowTotals();
        /** Each endpoint process over the intervals it was seen in (CPU time-weighted, memory the peak). */
        final Map<Long, ProcessStats.Total> processes = new LinkedHashMap<>();
        volatile String bye;
        volatile boolean helloSeen;
        /** The end of the newest interval merged: the host's hops, flows and counters reach this far. */
        Instant dataUntil;

        boolean helloSeen() {
            return helloSeen;
        }
    }

    private RemoteSession(SessionSpec spec, io.latscope.SessionListener listener, List<RemoteTarget> targets,
                          RedisEndpoint redis, SyncStrategy sync, SyncHost reference) {
        this.spec = spec;
        this.listener = listener;
        for (RemoteTarget t : targets) {
            if (this.targets.put(t.label(), t) != null) {
                throw new io.latscope.error.ConfigurationException("two hosts are labelled " + t.label());
            }
            hosts.put(t.label(), new HostState());
            logs.put(t.label(), new ArrayDeque<>());
        }
        this.hellos = new CountDownLatch(targets.size());
        this.outageBudget = spec.redis() != null ? spec.redis().outageBudget() : io.latscope.RedisSpec.DEFAULT_OUTAGE_BUDGET;
        this.health = new HealthMonitor(new ArrayList<>(this.targets.keySet()), spec.interval(), outageBudget);
        this.joiner = new CrossHostJoiner(new CrossHostJoiner.Clocks() {
            @Override
            public long toReference(String host, long nanos) {
                return RemoteSession.this.toReference(host, nanos);
            }

            @Override
            public long errorNanos(String host, long nanos) {
                return clockError(host, nanos);
            }
        }, crossHost, spec.sampling().includeRetransmissions(),
                spec.sampling().markerTimeout().toNanos() * 4, listener).ends(spec.layers()).vms(vmParents(spec));
        this.reader = new ControllerReader(redis, id, new ArrayList<>(this.targets.keySet()), this::onRecord);
        ClockSync cs = null;
        SessionKey key = SessionKey.random();
        this.syncKey = key;
        try {
            for (RemoteTarget t : targets) {
                // secrets (Redis password, sync key) travel inside the configuration, over the
                // agent's standard input: nothing in its environment or on its command line
                AgentConfig cfg = config(t, redis, sync, key, reference);
                agents.put(t.label(), t.launcher().launch(cfg, Map.of(), line -> log(t.label(), line)));
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
                st = io.latscope.store.Stores.open(spec.store());
                st.sessionStarted(new io.latscope.store.SessionInfo(id, spec.label(), started, null, targets.stream()
                        .map(t -> new io.latscope.store.HostInfo(t.label(), t.syncHost() == null ? "" :
                                t.syncHost().address().getHostAddress(), io.latscope.store.HostInfo.Kind.BARE_METAL, null,
                                t.syncHost() == null ? List.of() : List.of(t.syncHost().ifname()))).toList(),
                        provenance().toString()));
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
        this.ticker = new IntervalTicker("latscope-controller-interval");
        long ms = spec.interval().toMillis();
        ticker.every(this::crossHostInterval, ms, ms);
        ticker.every(this::health, 500, 500); // logs what changes
        this.expirer = Thread.ofPlatform().daemon().name("latscope-join-expiry").start(() -> {
            long last = System.nanoTime();
            while (finalReport == null) {
                long now = System.nanoTime();
                if (!reader.disconnectedFor().isZero() || health.anySilent()) {
                    joinClockPaused.addAndGet(now - last); // partners may be held up: nothing ages meanwhile
                }
                last = now;
                joiner.expire(joinClock());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Each host declared a VM of another ({@code vmOf}): its label → the parent's. */
    static Map<String, String> vmParents(SessionSpec spec) {
        Map<String, String> parents = new HashMap<>();
        for (io.latscope.Host h : spec.hosts()) {
            if (h instanceof io.latscope.Host.Ssh s && s.parent() != null && s.parent().relation() == io.latscope.Host.Relation.VM) {
                parents.put(s.label(), s.parent().label());
            }
        }
        return parents;
    }

    /** Starts agents on every target and waits until all measure; fails naming each host that did not. */
    public static RemoteSession start(SessionSpec spec, io.latscope.SessionListener listener, List<RemoteTarget> targets,
                                      RedisEndpoint redis, SyncStrategy sync, SyncHost reference) {
        return new RemoteSession(spec, listener, targets, redis, sync, reference);
    }

    /** Records an agent keeps in memory during an outage before it spills to disk. */
    static final long AGENT_MEMORY_BYTES = 32L << 20;

    private AgentConfig config(RemoteTarget t, RedisEndpoint redis, SyncStrategy sync, SessionKey key, SyncHost reference) {
        SessionSpec.Sampling sp = spec.sampling();
        long spill = spec.redis() != null ? spec.redis().outageSpillBytes() : io.latscope.RedisSpec.DEFAULT_OUTAGE_SPILL_BYTES;
        // an agent stops when the lease has been missing from a reachable Redis for the budget:
        // its controller is gone, or cut off from Redis for longer than the agent may keep records
        return new AgentConfig(id, t.label(), spec.layers(), spec.traffic().ports(), agentNamespaces(spec),
                spec.traffic().allNamespaces(), sp.strideBytes(), spec.interval(), sp.markerTimeout(), sp.probeCost(),
                sp.syscallBoundaries(), sp.ringBufferBytes(), redis.url(), redis.password(), outageBudget, 10_000_000,
                outageBudget, AGENT_MEMORY_BYTES, spill,
                sync == null || t.syncHost() == null ? null : AgentConfig.SyncSettings.of(sync, key, t.syncHost(), reference),
                spec.traffic().flows());
    }

    /**
     * The namespaces each agent measures, by the names it looks up on its own host: {@code self}
     * for the agent's own namespace, else the {@code ip netns} name. A namespace given by a path
     * or process of this machine means nothing on another host.
     */
    static List<String> agentNamespaces(SessionSpec spec) {
        List<String> names = new ArrayList<>();
        for (io.latscope.Namespace n : spec.traffic().namespaces()) {
            if (n.isCurrent()) {
                names.add(AgentConfig.OWN_NAMESPACE);
            } else if (byName(n)) {
                names.add(n.name());
            } else {
                throw new io.latscope.error.ConfigurationException("namespace " + n.name() + " is given by a path of this"
                        + " machine (" + n.path() + "); remote hosts take namespaces by their ip netns name");
            }
        }
        return names;
    }

    private static boolean byName(io.latscope.Namespace n) {
        try {
            return n.path().equals(io.latscope.Namespace.named(n.name()).path());
        } catch (io.latscope.error.ConfigurationException e) {
            return false; // not a name ip netns could have given
        }
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
            // a slow host (an emulated one: ~40 s for JVM start and probe load) may need more
            Duration helloTimeout = Duration.ofSeconds(Long.getLong(HELLO_TIMEOUT_PROPERTY, 60));
            long deadline = System.nanoTime() + helloTimeout.toNanos();
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
                            + helloTimeout.toSeconds() + " s (can they reach Redis at the session's URL? a slow host may"
                            + " need more: -D" + HELLO_TIMEOUT_PROPERTY + ")");
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
        health.heard(host);
        switch (r) {
            case AgentRecord.Hello h -> {
                h.unavailable().forEach((hop, why) -> s.unavailable.put(Hop.parse(hop).in(host), why));
                kernels.put(host, h.kernel());
                if (h.armedNanos() != AgentRecord.Hello.UNKNOWN_ARM) {
                    joiner.armed(host, h.armedNanos());
                }
                s.helloSeen = true;
                hellos.countDown();
            }
            case AgentRecord.Interval i -> {
                LatencyReport rescoped = rescoped(host, i.report());
                merge(s, rescoped);
                if (store != null) {
                    store.intervalClosed(rescoped);
                    intervalsToStore.incrementAndGet();
                }
                synchronized (pendingIntervals) {
                    pendingIntervals.add(rescoped);
                }
            }
            case AgentRecord.Markers m -> {
                long now = joinClock();
                m.parts().forEach(p -> joiner.add(host, p, now));
            }
            case AgentRecord.Bye b -> {
                s.bye = b.reason();
                health.done(host);
            }
            case AgentRecord.Lost l -> health.lost(host, l);
            case AgentRecord.Outage o -> health.outage(host, o);
        }
    }

    /** A host's interval report as part of this session: hops scoped by host ("local" is the host itself). */
    private LatencyReport rescoped(String host, LatencyReport r) {
        LatencyReport.Builder b = LatencyReport.builder(id).period(r.start(), r.end()).interval(true).counters(r.counters())
                .provenance(provenance());
        // the decoded report is ours alone: its histograms move over without copies
        for (HopStats h : r.hops()) {
            b.takeHop(rescope(host, h.hop(), r), h.histogram());
        }
        r.hopsByFlow().forEach((flow, hs) -> hs.forEach(h -> b.takeFlowHop(flow, rescope(host, h.hop(), r), h.histogram())));
        r.probeCosts().forEach(c -> b.probeCost(new ProbeCost(c.program(), host + ": " + c.attachPoint(), c.runs(), c.meanNanos())));
        r.unavailable().forEach((h, why) -> b.unavailable(h.in(host), why));
        // a flow's label names where it was seen: the host (and its namespace), as for hops
        r.flows().forEach(f -> b.flow(new FlowStats(f.flow(), scopeIn(host, f.label()), f.bytes(), f.segments(),
                f.retransmittedSegments(), f.throughputBitsPerSecond())));
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
            s.counters = s.counters.followedBy(r.counters());
            if (!r.probeCosts().isEmpty()) {
                s.costs = r.probeCosts();
            }
            s.flows.add(r.flows());
            double seconds = r.duration().toNanos() / 1e9;
            r.processes().forEach(p -> s.processes.computeIfAbsent(p.pid(), k -> new ProcessStats.Total()).add(p, seconds));
            if (s.dataUntil == null || r.end().isAfter(s.dataUntil)) {
                s.dataUntil = r.end();
            }
        }
    }

    /**
     * Each interval: the controller's own hops (NETWORK, END_TO_END) to the store, and to the
     * listener one report of the interval: those hops, the hosts' interval reports that
     * arrived since the last one, and the clock models as they are now.
     */
    private void crossHostInterval() {
        if (finalReport != null) {
            return;
        }
        try {
            HopRecorders.Totals t = crossHost.closeInterval();
            Instant now = Instant.now();
            Instant from = lastCrossInterval;
            lastCrossInterval = now;
            // the health as of this interval goes with it, to the store and to the listener: a session
            // read back later (store, run directory) says what was held up or lost, as the live one did
            // (both copies from one reading of the controller's state)
            noteAgentsGone();
            HealthMonitor.Inputs healthIn = healthInputs();
            LatencyReport.Builder b = LatencyReport.builder(id).period(from, now).interval(true)
                    .provenance(provenance()).health(health.now(healthIn));
            if (store != null) {
                LatencyReport.Builder own = LatencyReport.builder(id).period(from, now).interval(true).provenance(provenance())
                        .health(health.forStore(healthIn));
                HopPresentation.addTo(own, t.hops(), t.flows());
                store.intervalClosed(own.build());
                intervalsToStore.incrementAndGet();
            }
            List<LatencyReport> hostReports;
            synchronized (pendingIntervals) {
                hostReports = new ArrayList<>(pendingIntervals);
                pendingIntervals.clear();
            }
            if (listener == io.latscope.SessionListener.NONE) {
                return;
            }
            Map<Hop, Histogram> hops = new HashMap<>(); // copies: the store's report above owns t's histograms
            t.hops().forEach((h, v) -> hops.put(h, v.copy()));
            Counters counters = Counters.EMPTY;
            for (LatencyReport r : hostReports) {
                r.hops().forEach(h -> add(hops, h.hop(), h.histogram(), false));
                counters = counters.plus(r.counters());
                r.flows().forEach(b::flow);
                r.processes().forEach(b::process);
                r.probeCosts().forEach(b::probeCost);
                r.unavailable().forEach(b::unavailable);
            }
            HopPresentation.addTo(b, hops, Map.of());
            clockEstimates().forEach(b::clock);
            listener.onInterval(b.counters(counters).build());
        } catch (RuntimeException e) {
            LOG.warn("controller interval: {}", e.toString());
        }
    }

    private List<ClockEstimate> clockEstimates() {
        List<ClockEstimate> out = new ArrayList<>();
        if (clocks != null) {
            for (Map.Entry<String, ClockModel> e : clocks.models().entrySet()) {
                ClockModel m = e.getValue();
                if (!e.getKey().equals(clocks.reference().name())) {
                    out.add(new ClockEstimate(m.host(), m.reference(), Instant.now(), m.anchorNanos(),
                            -Math.round(m.offsetNanos()), -m.driftPpb(), m.errorBoundNanos(), m.probesUsed()));
                }
            }
        }
        return out;
    }

    private static String seconds(java.time.Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static Hop rescope(String host, Hop h, LatencyReport r) {
        return h.in(scopeIn(host, h.isScoped() ? h.scope() : r.soleScope(h)));
    }

    /** An agent's scope as this session names it: the host for the agent's own namespace ("local"), else host/namespace. */
    private static String scopeIn(String host, String scope) {
        return scope == null || scope.isEmpty() || scope.equals("local") ? host : host + "/" + scope;
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

    /** The clock model's bound for a host's stamp (0 for the reference or without sync; a day when unknown). */
    private long clockError(String host, long nanos) {
        if (clocks == null) {
            return 0;
        }
        try {
            return clocks.model(host).errorBoundNanos(nanos);
        } catch (RuntimeException e) {
            return java.time.Duration.ofDays(1).toNanos(); // no model for the host yet: anything fits
        }
    }

    // ---- reports ----------------------------------------------------------------------

    @Override
    public LatencyReport snapshot() {
        LatencyReport f = finalReport;
        return f != null ? f : report(Instant.now(), true);
    }

    /**
     * The session so far. {@code live}: a snapshot while agents measure, whose hosts' data
     * reaches only the end of each one's last interval sent: its flows' rates are over that
     * span, and the report says how far each host's data reaches.
     */
    private LatencyReport report(Instant end, boolean live) {
        Map<Hop, Histogram> hops = new HashMap<>();
        Map<FlowKey, Map<Hop, Histogram>> flowHops = new HashMap<>();
        HopRecorders.Totals cross = crossHost.cumulative();
        cross.hops().forEach((h, v) -> add(hops, h, v, false));
        cross.flows().forEach((f, m) -> m.forEach((h, v) -> add(flowHops.computeIfAbsent(f, k -> new HashMap<>()), h, v, true)));
        Counters counters = Counters.EMPTY;
        LatencyReport.Builder b = LatencyReport.builder(id).period(started, end).provenance(provenance()).health(health());
        List<String> behind = new ArrayList<>();
        for (Map.Entry<String, HostState> e : hosts.entrySet()) {
            HostState s = e.getValue();
            synchronized (s) {
                s.hops.forEach((h, v) -> add(hops, h, v, false));
                s.flowHops.forEach((f, m) -> m.forEach((h, v) -> add(flowHops.computeIfAbsent(f, k -> new HashMap<>()), h, v, true)));
                counters = counters.plus(s.counters);
                s.costs.forEach(b::probeCost);
                s.unavailable.forEach(b::unavailable);
                Instant until = live && s.dataUntil != null ? s.dataUntil : end;
                s.flows.totals(started, until).forEach(b::flow);
                s.processes.values().forEach(t -> b.process(t.stats()));
                if (live) {
                    behind.add(e.getKey() + (s.dataUntil == null ? " nothing yet" : " up to "
                            + seconds(java.time.Duration.between(started, s.dataUntil))));
                }
            }
        }
        if (live && !behind.isEmpty()) {
            b.notMeasured("the last interval", "agents send each interval when it ends (every "
                    + spec.interval().toMillis() + " ms), so this snapshot, " + seconds(java.time.Duration.between(started, end))
                    + " into the session, has " + String.join(", ", behind));
        }
        // Parts that crossed a host edge count as incomplete on their host; the join decides.
        CrossHostJoiner.Stats js = joiner.stats();
        Counters c = counters;
        // An agent cannot tell a half that crossed its edge from a marker that expired or
        // missed points, so those reasons are not carried over: what is left out here is the
        // ring overflow and skipped tracing the agents saw, and halves that never met.
        b.counters(new Counters(c.markersPerPoint(), c.markersMatched() + js.joined(),
                Math.max(0, c.markersIncomplete() - js.parts()) + js.unjoined() + js.partial(), c.markersRetransmitted(),
                c.ringBufferDrops(), c.eventsReceived(), 0, c.markersOverflow(), c.markersUnobservable(), Map.of(),
                c.dropsPerPoint(), c.markersPending()));
        HopPresentation.addTo(b, hops, flowHops);
        clockEstimates().forEach(b::clock);
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

    /**
     * LIVE while every host's records arrive; DEGRADED (with the cause) while Redis is
     * unreachable from the controller, a host has been silent for three intervals, or the
     * result store cannot write; LOST, with what each host lost, once records are gone for
     * good (an outage beyond the budget, an agent that died). Transitions are logged.
     */
    @Override
    public io.latscope.SessionHealth health() {
        io.latscope.SessionHealth f = finalHealth;
        if (f != null) {
            return f;
        }
        noteAgentsGone();
        return health.now(healthInputs());
    }

    /** Agents that exited without a goodbye are losses for good (while the session is not closing). */
    private void noteAgentsGone() {
        if (!closing) {
            agents.forEach((h, a) -> {
                if (!a.isAlive() && hosts.get(h).bye == null) {
                    health.exited(h, "its agent exited (status " + a.exitStatus().map(String::valueOf).orElse("unknown")
                            + ") without a goodbye: nothing it measured since its last record is here");
                }
            });
        }
    }

    private HealthMonitor.Inputs healthInputs() {
        ControllerReader.Stats rs = reader.stats();
        return new HealthMonitor.Inputs(rs.disconnected(), rs.lastError(), storeHealth());
    }

    /** The session's clock-sync key, encoded as agents receive it (tests look for it where it must not be). */
    String syncKeyEncoded() {
        return syncKey.encode();
    }

    private long joinClock() {
        return System.nanoTime() - joinClockPaused.get();
    }

    /** Interval reports handed to the result store (hosts' and the controller's own). */
    public long intervalsToStore() {
        return intervalsToStore.get();
    }

    /** The result store's write path, or null without a store. */
    public io.latscope.store.StoreHealth storeHealth() {
        io.latscope.store.ResultStore st = store;
        return st == null ? null : st.health();
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
        closer.close(finalReport != null, this::closeOnce);
    }

    private void closeOnce() {
        closing = true;
        // Sync rounds end before the agents (and their responders) do, so the last rounds do not
        // fail against hosts going away; the models stay for mapping what the agents still send.
        RuntimeException syncFailure = null;
        if (clocks != null) {
            try {
                clocks.close();
            } catch (RuntimeException e) {
                syncFailure = e;
            }
        }
        stopAgents(); // each agent flushes its last interval and markers, then says bye
        // Wait for every goodbye: 10 s, and longer (up to a minute) while records still arrive
        // (records an agent wrote to Redis before it exited may still be in the stream).
        long start = System.nanoTime();
        long lastProcessed = reader.stats().processed();
        long lastProgress = start;
        while (hosts.values().stream().anyMatch(s -> s.bye == null)) {
            long now = System.nanoTime();
            long processed = reader.stats().processed();
            if (processed != lastProcessed) {
                lastProcessed = processed;
                lastProgress = now;
            }
            if (now - start > Duration.ofSeconds(60).toNanos()
                    || (now - start > Duration.ofSeconds(10).toNanos() && now - lastProgress > Duration.ofSeconds(2).toNanos())) {
                break;
            }
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
                health.addLoss(h, new io.latscope.SessionHealth.Loss(0, 0, 0, "no goodbye from its agent at close (last"
                        + " record " + reader.lastSeq(h) + "): records after it may be missing"));
            }
        });
        joiner.expireAll();
        if (joiner.stats().beforeArm() > 0) {
            LOG.debug("session {}: {} marker halves in flight while the agents attached their probes, left out", id,
                    joiner.stats().beforeArm());
        }
        // a tick already running would store its interval, and an older health, after the last one below
        if (!ticker.stop(Duration.ofSeconds(5))) {
            LOG.warn("session {}: the interval thread did not stop within 5 s", id);
        }
        crossHostInterval();
        if (store != null) {
            store.flush(Duration.ofSeconds(1)); // whatever the store still holds is counted in the health
        }
        finalHealth = health();
        finalReport = report(Instant.now(), false);
        expirer.interrupt();
        try {
            if (store != null) {
                try {
                    store.sessionEnded(id, finalReport.end());
                } finally {
                    store.close();
                }
            }
        } finally {
            reader.close();
        }
        if (syncFailure != null) {
            throw syncFailure;
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
