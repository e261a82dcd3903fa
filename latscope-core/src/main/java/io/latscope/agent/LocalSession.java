package io.latscope.agent;

import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.Layer;
import io.latscope.MarkerPath;
import io.latscope.SessionSpec;
import io.latscope.bpf.BpfEnvironment;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.RingBuffer;
import io.latscope.error.LatScopeException;
import io.latscope.store.HostInfo;
import io.latscope.store.MarkerRecord;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A session on this host, inside this JVM: probes attached here, the ring buffer drained
 * by one thread that joins markers and records hops, interval reports on a timer (and to
 * the store, if any).
 */
public final class LocalSession implements LatScopeSession {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSession.class);
    /** The drainer sleeps 1–50 ms, paced by the ring's fill rate (see {@link DrainPacer}). */
    private static final long DRAIN_PARK_MIN_NANOS = 1_000_000;
    private static final long DRAIN_PARK_MAX_NANOS = 50_000_000;
    /** Records per drain call: bounded, so expiry and snapshots get their turn in a steady flow. */
    private static final int DRAIN_BATCH = 16_384;

    private final String id;
    private final java.util.function.Consumer<LatencyReport> intervalListener;
    private final SessionSpec spec;
    private final Instant started = Instant.now();
    private final LocalProbes probes;
    private final MarkerJoiner joiner;
    private final HopRecorders recorders = new HopRecorders();
    private final Map<Integer, String> scopes = new HashMap<>();
    private final Map<Hop, String> unavailable = new LinkedHashMap<>();
    private final Set<FlowKey> flowFilter;
    private final ResultStore store;
    private final List<MarkerRecord> sampled = new ArrayList<>();
    private final Thread drainer;
    private final ScheduledExecutorService ticker;
    private final EndpointSampler endpoints;
    private final FlowTotals flowTotals = new FlowTotals();
    /** Every endpoint process seen during the session, with its latest sample (kept after it exits). */
    private final Map<Long, io.latscope.ProcessStats> processesSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong drainCycles = new AtomicLong();
    private volatile boolean running = true;
    private volatile RuntimeException drainFailure;
    private long finished;
    private Counters lastIntervalCounters = Counters.EMPTY;
    private Instant lastIntervalEnd;
    private volatile LatencyReport finalReport;

    private LocalSession(SessionSpec spec, String id, java.util.function.Consumer<LatencyReport> intervalListener) {
        BpfEnvironment.check();
        this.spec = spec;
        this.id = id;
        this.intervalListener = intervalListener;
        this.lastIntervalEnd = started;
        List<NetNs> namespaces = spec.allNamespaces() ? Namespaces.all() : spec.namespaces();
        long self = NetNs.current().inode();
        for (NetNs ns : namespaces) {
            scopes.put((int) ns.inode(), ns.inode() == self ? "local" : ns.name());
        }
        Set<ProbePoint> points = ProbePoint.forLayers(spec.layers());
        this.flowFilter = Set.copyOf(spec.flows());
        LocalProbes.Config cfg = new LocalProbes.Config(spec.strideShift(), spec.ports(), namespaces,
                spec.allNamespaces(), spec.probeCost(), points, spec.ringBufferBytes(), spec.syscallBoundaries());
        this.probes = LocalProbes.start(cfg);
        ResultStore st = null;
        try {
            probes.unavailable().forEach((p, why) -> hopsOf(p).forEach(h -> unavailable.putIfAbsent(h, p.kernelPoint() + ": " + why)));
            Set<ProbePoint> attached = EnumSet.noneOf(ProbePoint.class);
            attached.addAll(probes.attachedPoints());
            this.joiner = new MarkerJoiner(spec.strideShift(), spec.markerTimeout().toNanos(), attached, this::scopeOf,
                    this::onMarker);
            if (spec.store() != null) {
                st = spec.store().open();
                st.sessionStarted(info(null));
            }
        } catch (RuntimeException e) {
            probes.close();
            if (st != null) {
                st.close();
            }
            throw e;
        }
        this.store = st;
        this.endpoints = new EndpointSampler("local", namespaces, spec.ports());
        this.drainer = Thread.ofPlatform().daemon().name("latscope-drain-" + id.substring(0, 8)).start(this::drainLoop);
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("latscope-interval-" + id.substring(0, 8)).factory());
        long ms = spec.interval().toMillis();
        ticker.scheduleAtFixedRate(this::intervalTick, ms, ms, TimeUnit.MILLISECONDS);
        ticker.scheduleAtFixedRate(this::sampleProcesses, 100, 100, TimeUnit.MILLISECONDS);
        if (spec.probeCost()) {
            ticker.scheduleAtFixedRate(this::paceStats, 100, 100, TimeUnit.MILLISECONDS);
        }
    }

    public static LatScopeSession start(SessionSpec spec) {
        return new LocalSession(spec, UUID.randomUUID().toString(), null);
    }

    /** A session under a given id whose interval reports also go to {@code intervalListener} (agents). */
    public static LocalSession start(SessionSpec spec, String id, java.util.function.Consumer<LatencyReport> intervalListener) {
        return new LocalSession(spec, id, intervalListener);
    }

    private static List<Hop> hopsOf(ProbePoint p) {
        List<Hop> hs = new ArrayList<>();
        if (p.startsHop() != null) {
            hs.add(p.startsHop());
        }
        if (p == ProbePoint.TX_SOCK || p == ProbePoint.RX_APP) {
            hs.add(Hop.END_TO_END);
        }
        if (p == ProbePoint.RX_APP) {
            hs.add(Hop.RX_SOCKET);
        }
        return hs;
    }

    private String scopeOf(int netns) {
        String s = scopes.get(netns);
        return s != null ? s : "netns:" + Integer.toUnsignedString(netns);
    }

    // ---- draining thread --------------------------------------------------------------

    private void drainLoop() {
        RingBuffer ring = probes.ring();
        RingBuffer.RecordHandler h = (seg, off, len) -> {
            if (len == EndpointSampler.FLOW_END_SIZE) {
                endpoints.flowEnded(EndpointSampler.decodeFlowEnd(seg, off));
            } else {
                joiner.onEvent(seg, off);
            }
        };
        DrainPacer pacer = new DrainPacer(ring.capacity(), DRAIN_PARK_MIN_NANOS, DRAIN_PARK_MAX_NANOS);
        try {
            long slept = 0;
            long arrived = 0; // bytes that arrived while the drainer slept
            while (running) {
                long pending = ring.pendingBytes();
                arrived = Math.max(arrived, pending);
                int n = ring.drain(h, DRAIN_BATCH);
                joiner.expire(System.nanoTime());
                drainCycles.incrementAndGet();
                if (n < DRAIN_BATCH) { // else more is waiting: drain again at once
                    long park = pacer.next(arrived, slept);
                    long t0 = System.nanoTime();
                    LockSupport.parkNanos(park);
                    slept = System.nanoTime() - t0;
                    arrived = 0;
                }
            }
            ring.drain(h);
            joiner.finishAll();
            drainCycles.incrementAndGet();
        } catch (RuntimeException e) {
            drainFailure = e;
            LOG.error("LatScope session {}: draining failed", id, e);
        }
    }

    private void onMarker(FlowKey flow, List<MarkerPath.HopSample> hops, long e2e, boolean retransmitted,
                          java.util.function.Supplier<MarkerPath> path) {
        if (!flowFilter.isEmpty() && flowFilter.stream().noneMatch(f -> f.matches(flow))) {
            return;
        }
        if (!retransmitted || spec.includeRetransmissions()) {
            recorders.recordMarker(flow, hops, e2e);
        }
        if (spec.markerListener() != null) {
            try {
                spec.markerListener().accept(path.get());
            } catch (RuntimeException e) {
                LOG.warn("marker listener failed: {}", e.toString());
            }
        }
        if (store != null && spec.markerSampleEvery() > 0 && finished++ % spec.markerSampleEvery() == 0) {
            synchronized (sampled) {
                sampled.add(path.get().record());
            }
        }
    }

    /** Waits until the draining thread has completed a whole cycle that began after this call. */
    private void awaitDrain() {
        long target = drainCycles.get() + 2;
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        LockSupport.unpark(drainer); // cut an idle back-off short
        while (drainCycles.get() < target && drainer.isAlive() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
            LockSupport.unpark(drainer);
        }
        if (drainFailure != null) {
            throw new LatScopeException("LatScope session " + id + " stopped measuring: " + drainFailure, drainFailure);
        }
    }

    // ---- reports ----------------------------------------------------------------------

    @Override
    public LatencyReport snapshot() {
        LatencyReport f = finalReport;
        if (f != null) {
            return f;
        }
        awaitDrain();
        Instant now = Instant.now();
        return report(recorders.cumulative(), counters(), started, now, false, flowTotals.totals(started, now),
                List.copyOf(processesSeen.values()));
    }

    private Counters counters() {
        return joiner.counters(probes.ringDrops());
    }

    private void paceStats() {
        try {
            probes.paceStats();
        } catch (RuntimeException e) {
            LOG.warn("pacing probe-cost statistics: {}", e.toString());
        }
    }

    private void sampleProcesses() {
        try {
            endpoints.sampleProcesses();
        } catch (RuntimeException e) {
            LOG.debug("sampling endpoint processes: {}", e.toString());
        }
    }

    private synchronized void intervalTick() {
        try {
            if (!running) {
                return;
            }
            emitInterval();
        } catch (RuntimeException e) {
            LOG.warn("LatScope session {}: interval report failed: {}", id, e.toString());
        }
    }

    private synchronized void emitInterval() {
        Instant end = Instant.now();
        Counters now = counters();
        EndpointSampler.Result ends = endpoints.interval();
        flowTotals.add(ends.flows());
        ends.processes().forEach(p -> processesSeen.put(p.pid(), p));
        LatencyReport r = report(recorders.closeInterval(), now.minus(lastIntervalCounters), lastIntervalEnd, end, true,
                ends.flows(), ends.processes());
        lastIntervalCounters = now;
        lastIntervalEnd = end;
        if (intervalListener != null) {
            intervalListener.accept(r);
        }
        if (store != null) {
            store.intervalClosed(r);
            List<MarkerRecord> batch;
            synchronized (sampled) {
                batch = new ArrayList<>(sampled);
                sampled.clear();
            }
            if (!batch.isEmpty()) {
                store.markers(id, batch);
            }
        }
    }

    private LatencyReport report(HopRecorders.Totals t, Counters c, Instant from, Instant to, boolean interval,
                                 List<io.latscope.FlowStats> flows, List<io.latscope.ProcessStats> processes) {
        LatencyReport.Builder b = LatencyReport.builder(id).period(from, to).interval(interval).counters(c);
        flows.forEach(b::flow);
        processes.forEach(b::process);
        HopPresentation.addTo(b, t.hops(), t.flows());
        probes.costs().forEach(b::probeCost);
        unavailable.forEach(b::unavailable);
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
        return Collections.unmodifiableMap(unavailable);
    }

    /** How the tx TCP point is implemented here, for people reading reports. */
    public String txTcpVia() {
        return probes.txTcpVia();
    }

    /** Where END_TO_END starts and ends on this kernel (system calls or kernel copies). */
    public Map<ProbePoint, String> socketBoundaries() {
        return probes.socketBoundaries();
    }

    @Override
    public boolean isClosed() {
        return finalReport != null;
    }

    @Override
    public synchronized void close() {
        if (finalReport != null) {
            return;
        }
        running = false;
        LockSupport.unpark(drainer);
        ticker.shutdownNow();
        try {
            drainer.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RuntimeException failure = null;
        try {
            emitInterval(); // the last interval: flows and processes up to now, and to the store
            Instant end = Instant.now();
            finalReport = report(recorders.cumulative(), counters(), started, end, false,
                    flowTotals.totals(started, end), List.copyOf(processesSeen.values()));
            if (store != null) {
                store.sessionEnded(id, finalReport.end());
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (finalReport == null) {
                finalReport = LatencyReport.builder(id).period(started, Instant.now()).build();
            }
            endpoints.close();
            probes.close();
            if (store != null) {
                try {
                    store.close();
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private SessionInfo info(Instant end) {
        List<HostInfo> hosts = List.of(new HostInfo("local", "localhost", HostInfo.Kind.LOCAL, null,
                spec.namespaces().stream().map(NetNs::name).toList()));
        return new SessionInfo(id, spec.label(), started, end, hosts, spec.toString());
    }

    @Override
    public String toString() {
        return "LatScopeSession[" + id + ", layers " + new java.util.TreeSet<Layer>(spec.layers()) + (isClosed() ? ", closed" : "") + "]";
    }
}
