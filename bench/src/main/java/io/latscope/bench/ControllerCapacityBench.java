package io.latscope.bench;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatScope;
import io.latscope.LatencyReport;
import io.latscope.SessionSpec;
import io.latscope.agent.ProbePoint;
import io.latscope.remote.agent.AgentConfig;
import io.latscope.remote.AgentLauncher;
import io.latscope.remote.RemoteSession;
import io.latscope.remote.RemoteTarget;
import io.latscope.sync.Sync;
import io.latscope.transport.AgentPublisher;
import io.latscope.transport.AgentRecord;
import io.latscope.transport.MarkerPart;
import io.latscope.transport.RedisEndpoint;
import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Controller capacity, on the machine's own Redis (127.0.0.1:6379): (1) marker parts
 * joined per second, from two synthetic agents publishing the sending and receiving
 * halves of the same markers as fast as they can; (2) how many synthetic hosts, each
 * publishing one interval report (10 hops) per second, one controller keeps up with.
 * The agents are in-process publishers (no probes), so only the controller's path is
 * measured: Redis Streams, decoding, joining, merging.
 */
public final class ControllerCapacityBench {
    static final RedisEndpoint REDIS = RedisEndpoint.parse("redis://127.0.0.1:6379/0", null);

    private ControllerCapacityBench() {
    }

    public static void main(String[] args) throws Exception {
        Bench.header("Controller capacity (synthetic agents, local Redis)");
        joinRate(200_000);
        System.out.println();
        System.out.println("| simulated hosts | intervals/s offered | intervals/s processed | backlog at end (records) | keeps up |");
        System.out.println("|---|---|---|---|---|");
        for (int hosts : new int[] {250, 500, 1000, 1500}) {
            hostsAt1Hz(hosts, Duration.ofSeconds(20));
        }
    }

    /** A launcher whose "agent" is a publisher in this JVM driven by {@code body}. */
    record Synthetic(String label, Body body) implements AgentLauncher {
        interface Body {
            void run(AgentPublisher out, AgentConfig cfg, java.util.function.BooleanSupplier stopping) throws Exception;
        }

        @Override
        public RunningAgent launch(AgentConfig cfg, Map<String, String> env, Consumer<String> log) {
            AgentPublisher out = new AgentPublisher(REDIS, cfg.session(), cfg.host(), 2_000_000);
            out.publish(new AgentRecord.Hello(cfg.host(), 0, "synthetic", Map.of(), Map.of()));
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    body.run(out, cfg, stop::get);
                } catch (Exception e) {
                    log.accept("synthetic agent failed: " + e);
                }
            });
            return new RunningAgent() {
                public String host() {
                    return cfg.host();
                }

                public boolean isAlive() {
                    return t.isAlive();
                }

                public Optional<Integer> exitStatus() {
                    return t.isAlive() ? Optional.empty() : Optional.of(0);
                }

                public boolean awaitExit(Duration timeout) {
                    try {
                        return t.join(timeout);
                    } catch (InterruptedException e) {
                        return false;
                    }
                }

                public void close() {
                    stop.set(true);
                    awaitExit(Duration.ofSeconds(30));
                    out.publish(new AgentRecord.Bye("done"));
                    out.close();
                }
            };
        }
    }

    public static void joinRate(int markers) throws Exception {
        FlowKey f = new FlowKey(InetAddress.getByName("10.0.0.1"), 40000, InetAddress.getByName("10.0.0.2"), 5001);
        AtomicLong joined = new AtomicLong();
        // the two halves of each marker leave their hosts at about the same time, as in a real flow
        java.util.concurrent.Phaser step = new java.util.concurrent.Phaser(2);
        Synthetic.Body sender = (out, cfg, stopping) -> publishParts(out, f, markers, true, step);
        Synthetic.Body receiver = (out, cfg, stopping) -> publishParts(out, f, markers, false, step);
        SessionSpec spec = LatScope.builder().redis(REDIS.url()).build();
        long t0 = System.nanoTime();
        try (RemoteSession s = RemoteSession.start(spec, p -> joined.incrementAndGet(), List.of(new RemoteTarget("tx", new Synthetic("tx", sender), null),
                new RemoteTarget("rx", new Synthetic("rx", receiver), null)), REDIS, Sync.none(), null)) {
            while (joined.get() < markers && System.nanoTime() - t0 < 300_000_000_000L) {
                Thread.sleep(10);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.println(Bench.fmt("markers joined: %d of %d in %.1f s = %.0f markers/s (%.0f parts/s)", joined.get(),
                markers, secs, joined.get() / secs, 2 * joined.get() / secs));
    }

    private static void publishParts(AgentPublisher out, FlowKey f, int markers, boolean sending,
                                     java.util.concurrent.Phaser step) {
        List<ProbePoint> pts = sending ? List.of(ProbePoint.TX_SOCK, ProbePoint.TX_TCP, ProbePoint.TX_IP, ProbePoint.TX_DEV,
                ProbePoint.TX_XMIT) : List.of(ProbePoint.RX_DEV, ProbePoint.RX_IP, ProbePoint.RX_TCP, ProbePoint.RX_SOCK,
                ProbePoint.RX_APP);
        List<MarkerPart> batch = new ArrayList<>(1000);
        for (int i = 0; i < markers; i++) {
            long base = 1_000_000L * i + (sending ? 0 : 5000);
            batch.add(new MarkerPart(f, (long) i * 65536 & 0xffffffffL, false, pts,
                    new long[] {base, base + 1000, base + 2000, base + 3000, base + 4000}));
            if (batch.size() == 1000) {
                while (!out.tryPublish(AgentPublisher.encode(new AgentRecord.Markers(List.copyOf(batch))))) {
                    sleep(5);
                }
                batch.clear();
                step.arriveAndAwaitAdvance();
            }
        }
    }

    public static void hostsAt1Hz(int hosts, Duration run) throws Exception {
        Random rnd = new Random(42);
        Histogram h = LatencyReport.newHistogram();
        for (int i = 0; i < 2000; i++) {
            h.recordValue(500 + (long) (Math.abs(rnd.nextGaussian()) * 5000));
        }
        List<Hop> hops = List.of(Hop.TX_SOCKET, Hop.TX_TCP, Hop.TX_IP, Hop.TX_DEV, Hop.VETH, Hop.RX_DEV, Hop.RX_IP,
                Hop.RX_TCP, Hop.RX_SOCKET, Hop.END_TO_END);
        AtomicLong offered = new AtomicLong();
        long runNanos = run.toNanos();
        // one interval report, encoded once: the synthetic agents cost the controller's CPU nothing to make
        Instant t = Instant.now();
        LatencyReport.Builder rb = LatencyReport.builder("synthetic").period(t.minusSeconds(1), t).interval(true);
        hops.forEach(hop -> rb.hop(hop, h));
        AgentPublisher.Encoded report = AgentPublisher.encode(new AgentRecord.Interval(rb.build()));
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        Synthetic.Body body = (out, cfg, stopping) -> {
            go.await(); // all hosts up and greeted first
            sleep(rnd.nextInt(1000)); // spread the hosts over the second
            long start = System.nanoTime();
            while (System.nanoTime() - start < runNanos && !stopping.getAsBoolean()) {
                out.publish(report);
                offered.incrementAndGet();
                sleep(1000);
            }
        };
        List<RemoteTarget> targets = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            targets.add(new RemoteTarget("s" + i, new Synthetic("s" + i, body), null));
        }
        SessionSpec spec = LatScope.builder().redis(REDIS.url()).build();
        long t0;
        long processedAtEnd;
        long backlog;
        try (RemoteSession s = RemoteSession.start(spec, io.latscope.SessionListener.NONE, targets, REDIS, Sync.none(), null)) {
            go.countDown();
            t0 = System.nanoTime();
            Thread.sleep(run.toMillis() + 1000);
            long before = s.transportStats().processed();
            Thread.sleep(2000); // a second or two to catch up
            processedAtEnd = s.transportStats().processed();
            backlog = offered.get() + hosts /* hellos */ - processedAtEnd;
            System.out.print("");
            s.close();
            double secs = (System.nanoTime() - t0) / 1e9;
            double rateIn = offered.get() / (run.toNanos() / 1e9);
            double rateOut = (before - hosts) / (run.toNanos() / 1e9);
            System.out.println(Bench.fmt("| %d | %.0f | %.0f | %d | %s |", hosts, rateIn, rateOut, Math.max(0, backlog),
                    backlog <= hosts ? "yes" : "no"));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
