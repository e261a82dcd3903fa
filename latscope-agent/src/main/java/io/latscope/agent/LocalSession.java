package io.latscope.agent;

import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.Layer;
import io.latscope.MarkerPath;
import io.latscope.SessionListener;
import io.latscope.SessionSpec;
import io.latscope.store.Stores;
import io.latscope.bpf.BpfEnvironment;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.RingBuffer;
import io.latscope.error.LatScopeException;
import io.latscope.store.HostInfo;
import io.latscope.MarkerRecord;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A session on this host, inside this JVM: probes attached here, the ring buffer drained
 * by one thread that joins markers and records hops, interval reports on a timer (and to
 * the store, if any).
 */
public final class LocalSession implements LatScopeSession {
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(LocalSession.class);
    }
    /** The drainer sleeps 1–50 ms, paced by the ring's fill rate (see {@link DrainPacer}). */
    private static final long DRAIN_PARK_MIN_NANOS = 1_000_000;
    private static final long DRAIN_PARK_MAX_NANOS = 50_000_000;
    /**
     * Records per drain call: about 50 µs of work, after which the drainer yields its core
     * if anything else is waiting for it. On 2 cores the traffic being measured often is:
     * in one unbroken drain of 16384 records (~1.5 ms) a woken ping-pong peer on the same
     * core waited for the drainer's time slice to end, and its p99.9 round trip grew by
     * hundreds of µs (issue 17). A yield with no one waiting returns at once. With the ring
     * half full the drainer does not yield: yielding there lost events in 3 of 5 watches
     * started on a running flood (a fresh JVM, its drain loop not compiled yet, its compiler
     * threads busy), none in 10 without.
     */
    static final int DRAIN_BATCH = 512;
    /** Benchmarks set these by reflection to compare with the drainer before issue 17 (16384, false). */
    static volatile int drainBatch = DRAIN_BATCH;
    static volatile boolean yieldBetweenBatches = true;

    private final String id;
    private final java.util.function.Consumer<LatencyReport> intervalListener;
    private final SessionSpec spec;
    private final SessionListener listener;
    private final boolean wantsMarkers;
    /** Markers that cross this host's edge are recorded too (a remote agent's session). */
    private final boolean partialMarkers;
    private final io.latscope.Provenance provenance;
    /** When every probe was attached: the session measures from here (attaching takes seconds). */
    private final Instant started;
    /** The same instant on CLOCK_MONOTONIC. */
    private final long armedNanos;
    private final LocalProbes probes;
    private final MarkerJoiner joiner;
    private final HopRecorders recorders = new HopRecorders();
    private final Map<Integer, String> scopes = new HashMap<>();
    private final Map<Hop, String> unavailable = new LinkedHashMap<>();
    private final Set<FlowKey> flowFilter;
    private final ResultStore store;
    private final List<MarkerRecord> sampled = new ArrayList<>();
    private final Thread drainer;
    /** Interval reports and samples; a listener that closes the session from {@code onInterval} runs on it. */
    private final IntervalTicker ticker;
    /** A listener handed the last interval by {@code close()} may call close() again. */
    private final SessionCloser closer = new SessionCloser();
    private final EndpointSampler endpoints;
    private final FlowTotals flowTotals = new FlowTotals();
    /** Every endpoint process seen during the session, with its latest sample (kept after it exits). */
    /** Each endpoint process over the intervals it was seen in (CPU time-weighted, memory the peak). */
    private final Map<Long, io.latscope.ProcessStats.Total> processesSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean running = true;
    /** Work the drainer does between batches, so counters and histograms describe the same markers. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> drainTasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile RuntimeException drainFailure;
    private long finished;
    private Counters lastIntervalCounters = Counters.EMPTY;
    private Instant lastIntervalEnd;
    private volatile LatencyReport finalReport;

    private LocalSession(SessionSpec spec, String id, SessionListener listener,
                         java.util.function.Consumer<LatencyReport> intervalListener) {
        BpfEnvironment.check();
        this.spec = spec;
        this.listener = listener;
        this.wantsMarkers = listener.wantsMarkers();
        this.partialMarkers = intervalListener != null;
        this.provenance = io.latscope.Provenance.of(spec, Map.of("local", io.latscope.error.KernelRelease.get()));
        this.id = id;
        this.intervalListener = intervalListener;
        SessionSpec.Traffic traffic = spec.traffic();
        SessionSpec.Sampling sampling = spec.sampling();
        List<NetNs> namespaces = traffic.allNamespaces() ? Namespaces.all()
                : traffic.namespaces().stream().map(NetNs::of).toList();
        Namespaces.requireEnterable(namespaces);
        long self = NetNs.current().inode();
        for (NetNs ns : namespaces) {
            scopes.put((int) ns.inode(), ns.inode() == self ? "local" : ns.name());
        }
        Set<ProbePoint> points = ProbePoint.forLayers(spec.layers());
        this.flowFilter = Set.copyOf(traffic.flows());
        LocalProbes.Config cfg = new LocalProbes.Config(sampling.strideShift(), traffic.ports(), namespaces,
                traffic.allNamespaces(), sampling.probeCost(), points, sampling.ringBufferBytes(),
                sampling.syscallBoundaries());
        // The store first: one that cannot be opened fails the start before anything is attached,
        // and its connection (hundreds of ms in a fresh JVM) is not made while an attached ring fills.
        ResultStore st = spec.store() == null ? null : Stores.open(spec.store());
        try {
            this.probes = LocalProbes.start(cfg);
        } catch (RuntimeException | Error e) {
            closeQuietly(st, e);
            throw e;
        }
        this.armedNanos = System.nanoTime();
        this.started = Instant.now();
        this.lastIntervalEnd = started;
        try {
            probes.unavailable().forEach((p, why) -> hopsOf(p).forEach(h -> unavailable.putIfAbsent(h, p.kernelPoint() + ": " + why)));
            Set<ProbePoint> attached = EnumSet.noneOf(ProbePoint.class);
            attached.addAll(probes.attachedPoints());
            this.joiner = new MarkerJoiner(sampling.strideShift(), sampling.markerTimeout().toNanos(), attached,
                    this::scopeOf, this::onMarker,
                    // a remote agent's markers lack the other host's points by design: each half goes
                    // to the controller, which joins them, so none is left out here
                    partialMarkers ? Long.MIN_VALUE / 2 : armedNanos);
            if (!flowFilter.isEmpty()) {
                joiner.flowFilter(k -> flowFilter.stream().anyMatch(f -> f.matches(k)));
            }
            this.endpoints = new EndpointSampler("local", namespaces, traffic.ports(), probes.openSockets());
        } catch (RuntimeException | Error e) {
            probes.close();
            closeQuietly(st, e);
            throw e;
        }
        this.store = st;
        // The drainer next, before anything else that takes time: the probes write from the
        // moment they are attached, and a flood fills the default 16 MiB ring in ~120 ms
        // (1.9 million 72-byte records a second in a ping-pong that samples every message).
        Thread d = null;
        IntervalTicker t = null;
        try {
            d = Thread.ofPlatform().daemon().name("latscope-drain-" + id.substring(0, 8)).start(this::drainLoop);
            this.drainer = d;
            if (st != null) {
                st.sessionStarted(info(null));
            }
            endpoints.baseline(); // older connections count from now, not from when they opened
            t = new IntervalTicker("latscope-interval-" + id.substring(0, 8));
            long ms = spec.interval().toMillis();
            t.every(this::intervalTick, ms, ms);
            // one wake-up every 100 ms for both: each wake-up may preempt the traffic on its core
            boolean pace = sampling.probeCost();
            t.every(() -> {
                sampleProcesses();
                if (pace) {
                    paceStats();
                }
            }, 100, 100);
        } catch (RuntimeException | Error e) {
            failedStart(d, t, st, e);
            throw e;
        }
        this.ticker = t;
    }

    /** Undoes a start that failed once the drainer may be running: nothing stays attached, open or running. */
    private void failedStart(Thread d, IntervalTicker t, ResultStore st, Throwable cause) {
        running = false;
        if (t != null) {
            t.stop(Duration.ZERO);
        }
        if (d != null) { // started: the field holds it
            joinDrainer();
        }
        for (Runnable close : List.<Runnable>of(endpoints::close, probes::close, () -> closeQuietly(st, cause))) {
            try {
                close.run();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /**
     * Starts a session on this host.
     *
     * @param spec     what to measure (every host must be {@code Host.local()})
     * @param listener called as markers finish
     * @return the live session
     */
    public static LatScopeSession start(SessionSpec spec, SessionListener listener) {
        return new LocalSession(spec, newId(), listener, null);
    }

    /**
     * A random (version 4) UUID from the kernel's random source: {@link UUID#randomUUID()}
     * seeds a SecureRandom first, 14 ms of a fresh JVM's start (java.security's providers).
     */
    static String newId() {
        byte[] b = new byte[16];
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("/dev/urandom"))) {
            if (in.readNBytes(b, 0, b.length) != b.length) {
                throw new java.io.IOException("short read");
            }
        } catch (java.io.IOException e) {
            return UUID.randomUUID().toString();
        }
        b[6] = (byte) ((b[6] & 0x0f) | 0x40); // version 4
        b[8] = (byte) ((b[8] & 0x3f) | 0x80); // IETF variant
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        return new UUID(bb.getLong(), bb.getLong()).toString();
    }

    /** A session under a given id whose interval reports also go to {@code intervalListener} (agents). */
    public static LocalSession start(SessionSpec spec, String id, SessionListener listener,
                                     java.util.function.Consumer<LatencyReport> intervalListener) {
        return new LocalSession(spec, id, listener, intervalListener);
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

    /**
     * Sockets the flow sampler looked up one by one, namespaces it dumped, its walks of every
     * process's descriptors and its reads of one known owner's, so far (tests, bench).
     */
    long[] endpointRequests() {
        return endpoints.requests();
    }

    // ---- draining thread --------------------------------------------------------------

    private void drainLoop() {
        RingBuffer ring = probes.ring();
        boolean[] warned = {false};
        RingBuffer.RecordHandler h = (seg, off, len) -> {
            int type = ProbeRecords.type(seg, off);
            long size = ProbeRecords.size(type);
            if (size == 0 || len < size) {
                if (!warned[0]) { // probes.bpf.o ships with this class: a bug, not a version skew
                    warned[0] = true;
                    Log.LOG.warn("LatScope session {}: skipping ring-buffer records it cannot read (type {}, {} bytes)", id, type, len);
                }
            } else if (type == ProbeRecords.STAMP) {
                joiner.onEvent(seg, off);
            } else {
                endpoints.flowEnded(EndpointSampler.decodeFlowEnd(seg, off));
            }
        };
        DrainPacer pacer = new DrainPacer(ring.capacity(), DRAIN_PARK_MIN_NANOS, DRAIN_PARK_MAX_NANOS);
        final int batch = drainBatch;
        final boolean yield = yieldBetweenBatches;
        try {
            long slept = 0;
            long arrived = 0; // bytes that arrived while the drainer slept
            while (running) {
                long pending = ring.pendingBytes();
                arrived = Math.max(arrived, pending);
                int n = ring.drain(h, batch);
                long now = System.nanoTime();
                // with records left in the ring, expire only up to the stamps handled so far
                joiner.expire(n < batch ? now : Math.min(now, joiner.latestStampNanos()));
                joiner.endBatch(probes.ringDrops(), now);
                runDrainTasks();
                if (n < batch) {
                    long park = pacer.next(arrived, slept);
                    long t0 = System.nanoTime();
                    LockSupport.parkNanos(park);
                    slept = System.nanoTime() - t0;
                    arrived = 0;
                } else if (yield && ring.pendingBytes() < ring.capacity() / 2) {
                    // more is waiting: drain again once whoever waits for this core ran, unless
                    // the ring is half full (a flood meeting a drainer the JIT has not compiled
                    // yet: losing events is then worse than a peer's wait)
                    Thread.yield();
                }
            }
            ring.drain(h);
            joiner.finishAll();
            joiner.endBatch(probes.ringDrops(), System.nanoTime());
            runDrainTasks();
        } catch (RuntimeException e) {
            drainFailure = e;
            Log.LOG.error("LatScope session {}: draining failed", id, e);
        } finally {
            runDrainTasks(); // whoever waits for one is not left waiting
        }
    }

    private void runDrainTasks() {
        Runnable r;
        while ((r = drainTasks.poll()) != null) {
            r.run();
        }
    }

    /**
     * Runs {@code task} on the draining thread between two batches, where no marker is half
     * recorded: the counters and the histograms it reads there describe the same markers. When
     * the drainer has stopped, runs it here.
     */
    private <T> T betweenBatches(java.util.function.Supplier<T> task) {
        if (!drainer.isAlive()) {
            return task.get();
        }
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        drainTasks.add(() -> {
            try {
                f.complete(task.get());
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!f.isDone()) {
            LockSupport.unpark(drainer);
            if (!drainer.isAlive() || System.nanoTime() > deadline) {
                runDrainTasks(); // the drainer is gone or stuck: the queue is ours now
                break;
            }
            try {
                return f.get(1, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // not yet: wake the drainer again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LatScopeException("interrupted while waiting for LatScope session " + id + "'s drainer", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw unwrapped(e.getCause());
            }
        }
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) { // the task failed on this thread
            throw unwrapped(e.getCause());
        }
    }

    /** The failure of a task run by {@link #betweenBatches} as its caller would have seen it run directly. */
    private static RuntimeException unwrapped(Throwable cause) {
        if (cause instanceof Error err) {
            throw err;
        }
        return cause instanceof RuntimeException re ? re : new LatScopeException(cause.toString(), cause);
    }

    private void onMarker(FlowKey flow, MarkerHops hops, boolean complete, boolean retransmitted,
                          java.util.function.Supplier<MarkerPath> path) {
        // Histograms hold complete markers only, so every hop counts the same markers and a
        // marker's hops add up to its END_TO_END. An agent of a multi-host session also keeps
        // the hops of markers that cross its host's edge: they are complete only when joined.
        if ((complete || partialMarkers) && (!retransmitted || spec.sampling().includeRetransmissions())) {
            recorders.recordMarker(flow, hops);
        }
        if (wantsMarkers) {
            try {
                listener.onMarker(path.get());
            } catch (RuntimeException e) {
                Log.LOG.warn("marker listener failed: {}", e.toString());
            }
        }
        int every = spec.sampling().markerSampleEvery();
        if (store != null && every > 0 && finished++ % every == 0) {
            synchronized (sampled) {
                sampled.add(path.get().record());
            }
        }
    }

    /**
     * Waits until the draining thread has consumed everything the probes wrote before this
     * call (up to 2 s: a drainer far behind a flood leaves the rest in flight, and the report
     * says so). One drain call takes a bounded batch, so counting calls would not do.
     */
    private void awaitDrain() {
        RingBuffer ring = probes.ring();
        long target = ring.producerPosition();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        LockSupport.unpark(drainer); // cut an idle back-off short
        while (ring.consumerPosition() - target < 0 && drainer.isAlive() && System.nanoTime() < deadline) {
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
        Taken taken = betweenBatches(() -> new Taken(recorders.cumulative(), counters()));
        Instant now = Instant.now();
        List<io.latscope.FlowStats> flows;
        Map<Long, io.latscope.ProcessStats> procs;
        synchronized (this) { // not while an interval closes: its flows would be in neither part
            // the interval not closed yet: its flows and processes so far
            EndpointSampler.Result since = endpoints.peek();
            flows = flowTotals.totals(started, now, since.flows());
            double sinceSeconds = Duration.between(lastIntervalEnd, now).toNanos() / 1e9;
            procs = new LinkedHashMap<>();
            processesSeen.forEach((pid, t) -> procs.put(pid, t.stats()));
            since.processes().forEach(p -> {
                io.latscope.ProcessStats.Total seen = processesSeen.get(p.pid());
                procs.put(p.pid(), seen == null ? p : seen.copy().add(p, sinceSeconds).stats());
            });
        }
        return report(taken.totals(), taken.counters(), started, now, false, flows, List.copyOf(procs.values()));
    }

    /** Histograms and counters read together, between two batches. */
    private record Taken(HopRecorders.Totals totals, Counters counters) {
    }

    private Counters counters() {
        return joiner.counters(probes.ringDrops(), probes.ringDropsPerPoint());
    }

    private void paceStats() {
        try {
            probes.paceStats();
        } catch (RuntimeException e) {
            Log.LOG.warn("pacing probe-cost statistics: {}", e.toString());
        }
    }

    private void sampleProcesses() {
        try {
            endpoints.sampleProcesses();
        } catch (RuntimeException e) {
            Log.LOG.debug("sampling endpoint processes: {}", e.toString());
        }
    }

    private synchronized void intervalTick() {
        try {
            if (!running) {
                return;
            }
            emitInterval();
        } catch (RuntimeException e) {
            Log.LOG.warn("LatScope session {}: interval report failed: {}", id, e.toString());
        }
    }

    private synchronized void emitInterval() {
        Taken taken = betweenBatches(() -> new Taken(recorders.closeInterval(), counters()));
        Instant end = Instant.now();
        Counters now = taken.counters();
        EndpointSampler.Result ends = endpoints.interval();
        flowTotals.add(ends.flows());
        double seconds = Duration.between(lastIntervalEnd, end).toNanos() / 1e9;
        ends.processes().forEach(p -> processesSeen.computeIfAbsent(p.pid(), k -> new io.latscope.ProcessStats.Total())
                .add(p, seconds));
        LatencyReport r = report(taken.totals(), now.minus(lastIntervalCounters), lastIntervalEnd, end, true,
                ends.flows(), ends.processes());
        lastIntervalCounters = now;
        lastIntervalEnd = end;
        // the store first: a listener may close the session from onInterval, and close() then
        // stores its last interval and ends the session in the store, after this one
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
        if (intervalListener != null) {
            intervalListener.accept(r);
        }
        try {
            listener.onInterval(r);
        } catch (RuntimeException e) {
            Log.LOG.warn("interval listener failed: {}", e.toString());
        }
    }

    private LatencyReport report(HopRecorders.Totals t, Counters c, Instant from, Instant to, boolean interval,
                                 List<io.latscope.FlowStats> flows, List<io.latscope.ProcessStats> processes) {
        LatencyReport.Builder b = LatencyReport.builder(id).period(from, to).interval(interval).counters(c)
                .provenance(provenance);
        flows.forEach(b::flow);
        processes.forEach(b::process);
        HopPresentation.addTo(b, t.hops(), t.flows());
        probes.costs().forEach(b::probeCost);
        unavailable.forEach(b::unavailable);
        probes.notMeasured().forEach(b::notMeasured);
        endpoints.notMeasured().forEach(b::notMeasured);
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

    /**
     * When the last probe was attached, on CLOCK_MONOTONIC: markers in flight then passed
     * points before their probes were there (a remote agent tells its controller).
     *
     * @return {@link System#nanoTime()} right after the attach
     */
    public long armedNanos() {
        return armedNanos;
    }

    @Override
    public boolean isClosed() {
        return finalReport != null;
    }

    @Override
    public synchronized void close() {
        closer.close(finalReport != null, this::closeOnce);
    }

    /** Closes a store the start opened, on the start's way out with {@code cause}. */
    private static void closeQuietly(ResultStore st, Throwable cause) {
        if (st == null) {
            return;
        }
        try {
            st.close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Waits for the draining thread to end, once {@code running} is false. */
    private void joinDrainer() {
        LockSupport.unpark(drainer);
        try {
            drainer.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drainer.isAlive()) {
            // it stops at its next batch once the ring is unmapped; what it has not drained is not in the report
            Log.LOG.warn("LatScope session {}: the draining thread did not finish within 10 s; closing without it", id);
        }
    }

    private void closeOnce() {
        running = false;
        LockSupport.unpark(drainer);
        // no wait: a tick blocked on this session's lock would not end; once it has it, it sees running false
        ticker.stop(Duration.ZERO);
        joinDrainer();
        RuntimeException failure = null;
        try {
            emitInterval(); // the last interval: flows and processes up to now, and to the store
            Instant end = Instant.now();
            finalReport = report(recorders.cumulative(), counters(), started, end, false,
                    flowTotals.totals(started, end), processesSeen.values().stream().map(io.latscope.ProcessStats.Total::stats)
                            .toList());
            if (joiner.beforeArm() > 0) {
                Log.LOG.debug("LatScope session {}: {} markers in flight while the probes were attached, left out",
                        id, joiner.beforeArm());
            }
            if (store != null) {
                store.sessionEnded(id, finalReport.end());
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (finalReport == null) {
                finalReport = LatencyReport.builder(id).period(started, Instant.now()).provenance(provenance).build();
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
                spec.traffic().namespaces().stream().map(io.latscope.Namespace::name).toList()));
        return new SessionInfo(id, spec.label(), started, end, hosts, provenance.toString());
    }

    @Override
    public String toString() {
        return "LatScopeSession[" + id + ", layers " + new java.util.TreeSet<Layer>(spec.layers()) + (isClosed() ? ", closed" : "") + "]";
    }
}
