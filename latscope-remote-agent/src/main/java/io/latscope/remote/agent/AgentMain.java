package io.latscope.remote.agent;

import io.latscope.LatScope;
import io.latscope.MarkerPath;
import io.latscope.SessionSpec;
import io.latscope.agent.LocalSession;
import io.latscope.agent.ProbePoint;
import io.latscope.bpf.NetNs;
import io.latscope.error.KernelRelease;
import io.latscope.error.LatScopeException;
import io.latscope.MarkerRecord;
import io.latscope.sync.SessionKey;
import io.latscope.sync.SyncHost;
import io.latscope.sync.SyncResponder;
import io.latscope.transport.AgentPublisher;
import io.latscope.transport.AgentRecord;
import io.latscope.transport.MarkerPart;
import io.latscope.transport.RedisEndpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A LatScope agent on a remote host: measures this host's stack like a local session and
 * reports through Redis — interval histograms of its in-host hops, and the parts of marker
 * paths that leave or enter the host, for the controller's cross-host join.
 *
 * <p>Usage: {@code AgentMain}, with its configuration ({@link AgentConfig#encode()}) as the
 * first line of its standard input — secrets included, so nothing secret is on its command
 * line or in its environment.
 *
 * <p>It tells "Redis unreachable" from "controller gone": its standard input is the
 * controller's channel (over SSH, or a pipe from the controller's JVM), whose EOF means the
 * controller closed the session or died — the agent then stops at once, detaching every
 * probe. While Redis is unreachable, or the controller's lease is missing from it, the
 * agent keeps measuring and keeps its records (memory, then a spill file) for the outage
 * budget, then counts what it cannot keep ({@link AgentPublisher}). It also stops when the
 * lease has been missing from a reachable Redis for {@link AgentConfig#controllerTimeout()}
 * (a controller whose host vanished without closing the channel), and on SIGTERM.
 */
public final class AgentMain {
    private final AgentConfig cfg;
    private final AgentPublisher out;
    private final List<MarkerPart> crossing = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String stopReason = "stopped";
    private volatile boolean channelClosed;

    private AgentMain(AgentConfig cfg, AgentPublisher out) {
        this.cfg = cfg;
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length != 0) {
            System.err.println("usage: AgentMain, with its configuration as the first line of standard input"
                    + " (never on the command line: it holds secrets)");
            System.exit(2);
        }
        String line;
        try {
            line = firstLine(System.in);
        } catch (IOException e) {
            line = null;
        }
        if (line == null || line.isBlank()) {
            System.err.println("latscope agent: no configuration on standard input");
            System.exit(2);
            return;
        }
        AgentConfig cfg = AgentConfig.decode(line.strip());
        AgentPublisher pub;
        try {
            RedisEndpoint ep = RedisEndpoint.parse(cfg.redisUrl(), cfg.redisPassword() == null ? "" : cfg.redisPassword());
            pub = new AgentPublisher(ep, cfg.session(), cfg.host(), new AgentPublisher.Limits(cfg.maxBufferedRecords(),
                    cfg.memoryBytes(), cfg.spillBytes() > 0 ? Path.of(System.getProperty("java.io.tmpdir")) : null,
                    cfg.spillBytes(), cfg.outageBudget()));
        } catch (LatScopeException e) {
            System.err.println("latscope agent " + cfg.host() + ": " + e.getMessage());
            System.exit(3);
            return;
        }
        int code = new AgentMain(cfg, pub).run();
        System.exit(code);
    }

    /** The first line of {@code in}, read a byte at a time so nothing after it is consumed. */
    private static String firstLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(4096);
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                return b.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            if (b.size() > (1 << 20)) {
                throw new IOException("configuration line longer than 1 MiB");
            }
            b.write(c);
        }
        return null;
    }

    private int run() {
        Thread stdinWatch = Thread.ofPlatform().daemon().name("latscope-stdin").start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the controller writes nothing more; EOF means it closed the session or is gone
                }
            } catch (IOException e) {
                // closed
            }
            channelClosed = true;
            requestStop("the controller's channel closed");
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            requestStop("terminated");
            try {
                done.await(5, TimeUnit.SECONDS); // let run() detach and say goodbye
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            return measure(stdinWatch);
        } finally {
            done.countDown();
        }
    }

    private int measure(Thread stdinWatch) {
        LocalSession session;
        try {
            session = LocalSession.start(spec(), cfg.session(), this::onMarker, r -> out.publish(new AgentRecord.Interval(r)));
        } catch (LatScopeException e) {
            System.err.println("latscope agent " + cfg.host() + ": " + e.getMessage());
            out.publish(new AgentRecord.Bye("failed to start: " + e.getMessage()));
            out.flushToRedis(Duration.ofSeconds(5));
            out.stop();
            return 4;
        }
        SyncResponder responder = null;
        if (cfg.sync() != null) {
            try {
                AgentConfig.SyncSettings ss = cfg.sync();
                SyncHost me = SyncHost.of(cfg.host(), NetNs.current(), ss.ifname(), ss.address());
                // on the controller's own kernel its interface may be our veth peer: its program serves it
                List<SyncHost> served = new java.util.ArrayList<>(List.of(me));
                ss.referenceOnThisKernel().ifPresent(served::add);
                responder = SyncResponder.start(ss.strategy(), me, SessionKey.decode(ss.key()), served);
            } catch (LatScopeException e) {
                System.err.println("latscope agent " + cfg.host() + ": clock-sync responder: " + e.getMessage());
                session.close();
                out.publish(new AgentRecord.Bye("failed to start the clock-sync responder: " + e.getMessage()));
                out.flushToRedis(Duration.ofSeconds(5));
                out.stop();
                return 5;
            }
        }
        Map<String, String> unavailable = new LinkedHashMap<>();
        session.unavailable().forEach((h, why) -> unavailable.put(h.toString(), why));
        Map<String, String> boundaries = new LinkedHashMap<>();
        session.socketBoundaries().forEach((p, how) -> boundaries.put(p.name(), how));
        out.publish(new AgentRecord.Hello(cfg.host(), NetNs.current().inode(), KernelRelease.get(), unavailable, boundaries,
                session.armedNanos()));
        System.out.println("latscope agent " + cfg.host() + " measuring (session " + cfg.session() + ")");
        try {
            while (!stop.await(100, TimeUnit.MILLISECONDS)) {
                flushCrossing();
                if (out.leaseMissing().compareTo(cfg.controllerTimeout()) > 0) {
                    requestStop("the controller's lease has been missing from Redis for "
                            + cfg.controllerTimeout().toSeconds() + " s (the controller is gone)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (responder != null) {
            responder.close();
        }
        session.close(); // detaches every probe; emits the last interval
        flushCrossing();
        out.publish(new AgentRecord.Bye(stopReason));
        // The controller reads what reaches Redis before this goodbye, whether it closed the
        // session or died: write it there (within the 5 s a controller's close() grants before
        // SIGTERM), but never wait for an acknowledgment from a controller that may be gone.
        boolean written = out.flushToRedis(channelClosed ? Duration.ofSeconds(4) : Duration.ofSeconds(2));
        long unsent = written ? 0 : out.unsent();
        out.stop();
        System.out.println("latscope agent " + cfg.host() + " stopped: " + stopReason + " (records lost: " + out.lost()
                + (unsent > 0 ? ", of them " + unsent + " never written to Redis" : "") + ")");
        stdinWatch.interrupt();
        return 0;
    }

    private void requestStop(String reason) {
        if (stop.getCount() > 0) {
            stopReason = reason;
            stop.countDown();
        }
    }

    private SessionSpec spec() {
        LatScope.Builder b = LatScope.builder().layers(cfg.layers().toArray(io.latscope.Layer[]::new))
                .stride(cfg.strideBytes()).interval(cfg.interval()).markerTimeout(cfg.markerTimeout())
                .probeCost(cfg.probeCost()).syscallBoundaries(cfg.syscallBoundaries())
                .ringBufferBytes(cfg.ringBufferBytes()).markerSampleEvery(0);
        cfg.ports().forEach(b::ports);
        cfg.flows().forEach(b::flows);
        if (cfg.allNamespaces()) {
            b.allNamespaces();
        } else {
            for (String n : cfg.namespaces()) {
                b.namespaces(n.equals(AgentConfig.OWN_NAMESPACE) ? io.latscope.Namespace.current() : io.latscope.Namespace.named(n));
            }
        }
        return b.build();
    }

    /** Markers that did not complete here crossed this host's edge: ship them for joining. */
    private void onMarker(MarkerPath path) {
        if (path.complete()) {
            return;
        }
        MarkerRecord r = path.record();
        List<ProbePoint> points = new ArrayList<>(r.stamps().size());
        long[] nanos = new long[r.stamps().size()];
        for (int i = 0; i < nanos.length; i++) {
            MarkerRecord.Stamp s = r.stamps().get(i);
            points.add(ProbePoint.of(s.point()));
            nanos[i] = s.nanos();
        }
        synchronized (crossing) {
            crossing.add(new MarkerPart(r.flow(), r.sequence(), r.retransmitted(), points, nanos));
        }
    }

    private void flushCrossing() {
        List<MarkerPart> batch;
        synchronized (crossing) {
            if (crossing.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(crossing);
            crossing.clear();
        }
        for (int i = 0; i < batch.size(); i += 1000) {
            out.publish(new AgentRecord.Markers(batch.subList(i, Math.min(batch.size(), i + 1000))));
        }
    }
}
