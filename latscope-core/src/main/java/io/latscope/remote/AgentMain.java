package io.latscope.remote;

import io.latscope.LatScope;
import io.latscope.MarkerPath;
import io.latscope.SessionSpec;
import io.latscope.agent.LocalSession;
import io.latscope.agent.ProbePoint;
import io.latscope.bpf.NetNs;
import io.latscope.error.KernelRelease;
import io.latscope.error.LatScopeException;
import io.latscope.store.MarkerRecord;
import io.latscope.sync.SessionKey;
import io.latscope.sync.SyncHost;
import io.latscope.sync.SyncResponder;
import io.latscope.transport.AgentPublisher;
import io.latscope.transport.AgentRecord;
import io.latscope.transport.MarkerPart;
import io.latscope.transport.RedisEndpoint;

import java.io.IOException;
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
 * <p>It stops, detaching every probe, when its standard input closes (the SSH channel to
 * the controller is gone), when the controller's heartbeat disappears from Redis, or on
 * SIGTERM. Usage: {@code AgentMain <encoded AgentConfig>}; the Redis password, if any, in
 * {@code LATSCOPE_REDIS_PASSWORD}.
 */
public final class AgentMain {
    private final AgentConfig cfg;
    private final AgentPublisher out;
    private final List<MarkerPart> crossing = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String stopReason = "stopped";

    private AgentMain(AgentConfig cfg, AgentPublisher out) {
        this.cfg = cfg;
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: AgentMain <encoded agent configuration>");
            System.exit(2);
        }
        AgentConfig cfg = AgentConfig.decode(args[0]);
        AgentPublisher pub;
        try {
            pub = new AgentPublisher(RedisEndpoint.parse(cfg.redisUrl(), null), cfg.session(), cfg.host(),
                    cfg.maxBufferedRecords());
        } catch (LatScopeException e) {
            System.err.println("latscope agent " + cfg.host() + ": " + e.getMessage());
            System.exit(3);
            return;
        }
        int code = new AgentMain(cfg, pub).run();
        System.exit(code);
    }

    private int run() {
        Thread stdinWatch = Thread.ofPlatform().daemon().name("latscope-stdin").start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the controller never writes; EOF means it is gone
                }
            } catch (IOException e) {
                // closed
            }
            requestStop("the controller's channel closed");
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> requestStop("terminated")));
        LocalSession session;
        try {
            session = LocalSession.start(spec(), cfg.session(), r -> out.publish(new AgentRecord.Interval(r)));
        } catch (LatScopeException e) {
            System.err.println("latscope agent " + cfg.host() + ": " + e.getMessage());
            out.publish(new AgentRecord.Bye("failed to start: " + e.getMessage()));
            out.close();
            return 4;
        }
        SyncResponder responder = null;
        if (cfg.sync() != null) {
            try {
                AgentConfig.SyncSettings ss = cfg.sync();
                SyncHost me = SyncHost.of(cfg.host(), NetNs.current(), ss.ifname(), ss.address());
                responder = SyncResponder.start(ss.strategy(), me, SessionKey.decode(ss.key()), List.of(me));
            } catch (LatScopeException e) {
                System.err.println("latscope agent " + cfg.host() + ": clock-sync responder: " + e.getMessage());
                session.close();
                out.publish(new AgentRecord.Bye("failed to start the clock-sync responder: " + e.getMessage()));
                out.close();
                return 5;
            }
        }
        Map<String, String> unavailable = new LinkedHashMap<>();
        session.unavailable().forEach((h, why) -> unavailable.put(h.toString(), why));
        Map<String, String> boundaries = new LinkedHashMap<>();
        session.socketBoundaries().forEach((p, how) -> boundaries.put(p.name(), how));
        out.publish(new AgentRecord.Hello(cfg.host(), NetNs.current().inode(), KernelRelease.get(), unavailable, boundaries));
        System.out.println("latscope agent " + cfg.host() + " measuring (session " + cfg.session() + ")");
        try {
            while (!stop.await(100, TimeUnit.MILLISECONDS)) {
                flushCrossing();
                if (out.sinceControllerBeat().compareTo(cfg.controllerTimeout()) > 0) {
                    requestStop("no heartbeat from the controller for " + cfg.controllerTimeout().toSeconds() + " s");
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
        out.close();
        System.out.println("latscope agent " + cfg.host() + " stopped: " + stopReason + " (records lost: " + out.lost() + ")");
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
                .ringBufferBytes(cfg.ringBufferBytes()).markerSampleEvery(0).markerListener(this::onMarker);
        cfg.ports().forEach(b::ports);
        if (cfg.allNamespaces()) {
            b.allNamespaces();
        } else if (!cfg.namespaces().isEmpty()) {
            b.namespaces(cfg.namespaces().toArray(String[]::new));
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
            points.add(ProbePoint.ofLabel(s.point()));
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
