package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.LatScope;
import io.latscope.LatencyReport;
import io.latscope.MarkerPath;
import io.latscope.SessionSpec;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;
import io.latscope.testbed.TestRedis;
import io.latscope.transport.RedisEndpoint;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.latscope.Hop.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three hosts (network namespaces on a bridge, each with its own agent process), traffic
 * between two pairs, Redis of the test's own, clocks synced over XDP.
 */
@KernelTest
class MultiHostTest {

    @Test
    void everyHopOfEveryFlowIncludingNetworkAndEndToEnd() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            List<String> names = List.of("h1", "h2", "h3");
            String br = net.rootBridge(null);
            String me = net.rootPort("10.80.0.254/24", br);
            List<RemoteTarget> targets = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                NetNs ns = net.namespace(names.get(i));
                String dev = net.connectToRootBridge(names.get(i), "10.80.0." + (i + 1) + "/24", br);
                targets.add(new RemoteTarget(names.get(i), new NamespaceLauncher(ns),
                        SyncHost.of(names.get(i), ns, dev, "10.80.0." + (i + 1))));
            }
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            SessionSpec spec = LatScope.builder().ports(5401, 5402).stride(1024).build();
            TcpTraffic.FlowResult f12;
            TcpTraffic.FlowResult f31;
            LatencyReport r;
            try (TestRedis redis = TestRedis.start("10.80.0.254", 26379, "pw-" + System.nanoTime())) {
                RedisEndpoint ep = RedisEndpoint.parse(redis.url(), passwordOf(redis));
                try (RemoteSession s = RemoteSession.start(spec, paths::add, targets, ep, Sync.xdp(),
                        SyncHost.of("controller", NetNs.current(), me, "10.80.0.254"))) {
                    Thread other = Thread.ofPlatform().start(() -> NativeTraffic.messages(net.ns("h3"), net.ns("h1"),
                            "10.80.0.1", 5402, 1024, 1500, Duration.ofMillis(1), Duration.ZERO));
                    f12 = NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.80.0.2", 5401, 1024, 2000,
                            Duration.ofMillis(1), Duration.ZERO);
                    other.join();
                    f31 = null;
                    s.close();
                    r = s.snapshot();
                    System.out.println(r);
                }
            }
            FlowKey k12 = new FlowKey(addr("10.80.0.1"), f12.clientPort(), addr("10.80.0.2"), 5401);
            CrossHostAssertions.assertWholePathMatchesApplication(r, k12, f12, 2000, List.copyOf(paths));
            assertThat(r.flowKeys()).hasSize(2);
            for (FlowKey k : r.flowKeys()) {
                assertThat(r.hops(k).stream().map(h -> h.hop().unscoped()).toList()).as(k.toString())
                        .contains(NETWORK, END_TO_END);
            }
            assertThat(paths).hasSize(3500);
            for (MarkerPath m : paths) {
                assertThat(m.sumOfHopsNanos()).as(m.toString()).isEqualTo(m.endToEndNanos());
            }
            // one kernel clock: the true offset is 0 and must lie within each estimate's bound
            assertThat(r.clocks()).hasSize(3).allSatisfy(c ->
                    assertThat(Math.abs(c.offsetNanos())).as(c.toString()).isLessThanOrEqualTo(c.errorBoundNanos()));
        }
    }

    /** Hosts h1..hN on a root bridge, the controller at .254 on a root-namespace veth. */
    record Bed(TestNetwork net, List<RemoteTarget> targets, SyncHost controller) {
        static Bed of(TestNetwork net, String subnet, int hosts) {
            String br = net.rootBridge(null);
            String me = net.rootPort(subnet + ".254/24", br);
            List<RemoteTarget> targets = new ArrayList<>();
            for (int i = 1; i <= hosts; i++) {
                NetNs ns = net.namespace("h" + i);
                String dev = net.connectToRootBridge("h" + i, subnet + "." + i + "/24", br);
                targets.add(new RemoteTarget("h" + i, new NamespaceLauncher(ns), SyncHost.of("h" + i, ns, dev, subnet + "." + i)));
            }
            return new Bed(net, targets, SyncHost.of("controller", NetNs.current(), me, subnet + ".254"));
        }
    }

    @Test
    void aRedisRestartMidRunLosesNoRecord() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            Bed bed = Bed.of(net, "10.81.0", 2);
            io.latscope.StoreSpec mem = io.latscope.store.Stores.inMemory();
            SessionSpec spec = LatScope.builder().ports(5403).stride(1024).interval(Duration.ofMillis(200)).store(mem).build();
            LatencyReport r;
            ControllerReaderStats stats;
            String id;
            try (TestRedis redis = TestRedis.start("10.81.0.254", 26380, null)) {
                try (RemoteSession s = RemoteSession.start(spec, io.latscope.SessionListener.NONE, bed.targets(), RedisEndpoint.parse(redis.url(), null),
                        Sync.none(), bed.controller())) {
                    Thread restarter = Thread.ofPlatform().start(() -> {
                        sleep(1500);
                        redis.restart();
                    });
                    NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.81.0.2", 5403, 1024, 3000,
                            Duration.ofMillis(1), Duration.ZERO);
                    restarter.join();
                    s.close();
                    r = s.snapshot();
                    stats = new ControllerReaderStats(s.transportStats().missing(), s.transportStats().reconnects());
                    id = s.id();
                }
            }
            // every message carried one marker; every marker's two parts made it through
            assertThat(r.hop(END_TO_END).count()).as(r.toString()).isEqualTo(3000);
            assertThat(stats.missing()).isZero();
            assertThat(stats.reconnects()).isPositive();
            // and the store got every host's intervals and the controller's: the stored session adds up the same
            LatencyReport stored = io.latscope.store.Stores.open(mem).load(id).orElseThrow();
            assertThat(stored.hop(END_TO_END).count()).isEqualTo(3000);
            assertThat(stored.hop(RX_SOCKET).count()).isEqualTo(r.hop(RX_SOCKET).count());
            // each endpoint process over the session: its CPU the time-weighted mean of the host's
            // intervals, its memory the peak (it was the last interval's figures before)
            List<LatencyReport> intervals = io.latscope.store.Stores.open(mem).intervals(id);
            assertThat(r.processes()).as(r.toString()).isNotEmpty();
            for (io.latscope.ProcessStats p : r.processes()) {
                io.latscope.ProcessStats.Total folded = new io.latscope.ProcessStats.Total();
                for (LatencyReport i : intervals) {
                    i.processes().stream().filter(q -> q.host().equals(p.host()) && q.pid() == p.pid())
                            .forEach(q -> folded.add(q, i.duration().toNanos() / 1e9));
                }
                assertThat(p.cpuPercent()).as(p.toString()).isCloseTo(folded.stats().cpuPercent(),
                        org.assertj.core.api.Assertions.within(1e-9));
                assertThat(p.rssBytes()).isEqualTo(folded.stats().rssBytes());
            }
        }
    }

    record ControllerReaderStats(long missing, long reconnects) {
    }

    /**
     * With fewer layers the joined marker runs from the first stamped point to the last
     * (tx.TCP to rx.TCP here): complete, with NETWORK and END_TO_END, and every hop counting
     * the same markers. A marker whose halves miss an end is incomplete and in no histogram.
     */
    @Test
    void withFewerLayersTheJoinedMarkersSpanTheFirstToTheLastStampedPoint() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            Bed bed = Bed.of(net, "10.95.0", 2);
            SessionSpec spec = LatScope.builder().layers(io.latscope.Layer.TCP, io.latscope.Layer.IP, io.latscope.Layer.DEV)
                    .ports(5405).stride(1024).build();
            LatencyReport r;
            try (TestRedis redis = TestRedis.start("10.95.0.254", 26395, null)) {
                try (RemoteSession s = RemoteSession.start(spec, io.latscope.SessionListener.NONE, bed.targets(),
                        RedisEndpoint.parse(redis.url(), null), Sync.none(), bed.controller())) {
                    NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.95.0.2", 5405, 1024, 300,
                            Duration.ofMillis(1), Duration.ZERO);
                    s.close();
                    r = s.snapshot();
                }
            }
            io.latscope.DataQuality q = r.quality();
            assertThat(q.markersComplete()).as(r.toString()).isGreaterThanOrEqualTo(295);
            // a retransmitted marker is complete but left out of the histograms (retransmissions out)
            assertThat(r.hop(END_TO_END).count()).as(r.toString())
                    .isBetween(q.markersComplete() - q.retransmitted(), q.markersComplete());
            assertThat(r.hop(NETWORK).count()).as(r.toString()).isEqualTo(r.hop(END_TO_END).count());
        }
    }

    /**
     * A host declared a VM of another ({@code vmOf}, the original conf's {@code isvm}): the
     * stretch between them is VIRT in both directions, never NETWORK; it carries both clocks'
     * bounds as NETWORK does, and the markers' hops still add up to END_TO_END. (The hosts here
     * are namespaces that only declare the relation; the guest VM of GuestKernelTest is not yet
     * a second host of a session.)
     */
    @Test
    void betweenAVmAndItsHostTheStretchIsVirtInBothDirections() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            Bed bed = Bed.of(net, "10.96.0", 2);
            io.latscope.StoreSpec mem = io.latscope.store.Stores.inMemory();
            SessionSpec spec = LatScope.builder().ports(5406, 5407).stride(1024).store(mem)
                    .hosts(io.latscope.Host.ssh("10.96.0.1").label("h1").vmOf("h2"), io.latscope.Host.ssh("10.96.0.2").label("h2"))
                    .redis("redis://10.96.0.254:26396/0").sync(io.latscope.SyncSpec.xdp()).syncReference(io.latscope.Namespace.current(), bed.controller().ifname(), "10.96.0.254")
                    .build();
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            LatencyReport r;
            String id;
            try (TestRedis redis = TestRedis.start("10.96.0.254", 26396, null)) {
                try (RemoteSession s = RemoteSession.start(spec, paths::add, bed.targets(), RedisEndpoint.parse(redis.url(), null),
                        Sync.xdp(), bed.controller())) {
                    Thread back = Thread.ofPlatform().start(() -> NativeTraffic.messages(net.ns("h2"), net.ns("h1"),
                            "10.96.0.1", 5407, 1024, 300, Duration.ofMillis(1), Duration.ZERO));
                    NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.96.0.2", 5406, 1024, 300,
                            Duration.ofMillis(1), Duration.ZERO);
                    back.join();
                    s.close();
                    r = s.snapshot();
                    id = s.id();
                }
            }
            System.out.println(r);
            long complete = r.quality().markersComplete();
            assertThat(complete).as(r.toString()).isGreaterThanOrEqualTo(590);
            assertThat(r.hop(VIRT).count()).as(r.toString()).isEqualTo(r.hop(END_TO_END).count());
            assertThat(r.hop(VIRT.in("h1->h2")).count()).as(r.toString()).isPositive();
            assertThat(r.hop(VIRT.in("h2->h1")).count()).as(r.toString()).isPositive();
            assertThat(r.hops()).noneMatch(h -> h.hop().kind() == io.latscope.Hop.Kind.NETWORK);
            assertThat(r.clockBoundNanos(VIRT.in("h1->h2"))).as(r.toString()).isPositive();
            assertThat(r.toString()).contains("VIRT@h1->h2", "VIRT@h2->h1");
            for (MarkerPath m : paths) {
                assertThat(m.sumOfHopsNanos()).as(m.toString()).isEqualTo(m.endToEndNanos());
            }
            // the stored session names the hop the same
            LatencyReport stored = io.latscope.store.Stores.open(mem).load(id).orElseThrow();
            assertThat(stored.hop(VIRT.in("h1->h2")).count()).isEqualTo(r.hop(VIRT.in("h1->h2")).count());
        }
    }

    /**
     * Traffic already flowing while the agents start and attach their probes (seconds, one
     * host after the other): the halves in flight then meet no other half, and are left out
     * uncounted, not reported as lost (as on one host, ReportTruthTest).
     */
    @Test
    void trafficFlowingWhileTheAgentsStartIsNotReportedAsLost() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            Bed bed = Bed.of(net, "10.94.0", 2);
            SessionSpec spec = LatScope.builder().ports(5404).stride(1024).build();
            LatencyReport r;
            java.util.concurrent.CompletableFuture<TcpTraffic.FlowResult> traffic = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.94.0.2", 5404, 4096, 1000,
                            Duration.ofMillis(10), Duration.ZERO));
            Thread.sleep(500); // flowing before the first agent starts
            try (TestRedis redis = TestRedis.start("10.94.0.254", 26394, null)) {
                try (RemoteSession s = RemoteSession.start(spec, io.latscope.SessionListener.NONE, bed.targets(),
                        RedisEndpoint.parse(redis.url(), null), Sync.none(), bed.controller())) {
                    assertThat(traffic).as("traffic still flowing once every agent measures").isNotDone();
                    Thread.sleep(1500);
                    // a live snapshot says how far each host's data reaches
                    assertThat(s.snapshot().notMeasured()).hasEntrySatisfying("the last interval", why -> assertThat(why)
                            .contains("agents send each interval when it ends (every 1000 ms)").containsPattern("h1 (up to|nothing yet)")
                            .containsPattern("h2 (up to|nothing yet)"));
                    traffic.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    s.close();
                    r = s.snapshot();
                }
            }
            io.latscope.DataQuality q = r.quality();
            assertThat(q.markersSeen()).as(r.toString()).isGreaterThan(100); // 4 a message, for as long as the session ran
            assertThat(q.leftOut()).as(r.toString()).isEmpty();
            // a retransmitted marker is complete but left out of the histograms (retransmissions
            // out): a CI dry run of 2026-12-06 had 2 of 3 524 (END_TO_END 3 523)
            assertThat(r.hop(END_TO_END).count()).as(r.toString())
                    .isBetween(q.markersComplete() - q.retransmitted(), q.markersComplete());
            assertThat(r.notMeasured()).as("the final report has every interval").doesNotContainKey("the last interval");
        }
    }

    @Test
    void agentsAndTheirProbesAreGoneSoonAfterTheControllerIsKilled() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            Bed bed = Bed.of(net, "10.82.0", 2);
            try (TestRedis redis = TestRedis.start("10.82.0.254", 26381, null)) {
                List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        ControllerMain.class.getName(), redis.url()));
                for (RemoteTarget t : bed.targets()) {
                    cmd.add(t.label() + "=" + net.nsName(t.label()));
                }
                Process controller = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                String session = null;
                try {
                    String ready = new java.io.BufferedReader(new java.io.InputStreamReader(controller.getInputStream()))
                            .readLine();
                    assertThat(ready).as("controller output").startsWith("ready ");
                    session = ready.substring(6).strip();
                    List<Long> agents = agentPids(session);
                    assertThat(agents).hasSize(2);
                    controller.destroyForcibly(); // kill -9
                    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                    while (!agentPids(session).isEmpty() && System.nanoTime() < deadline) {
                        sleep(200);
                    }
                    assertThat(agentPids(session)).as("agents still running after the controller died").isEmpty();
                    // their programs and links went with their file descriptors
                    String progs = io.latscope.testbed.Cmd.run("bpftool", "-j", "prog", "show");
                    String links = io.latscope.testbed.Cmd.run("bpftool", "-j", "link", "show");
                    for (long pid : agents) {
                        assertThat(progs).doesNotContain("\"pid\":" + pid + ",");
                        assertThat(links).doesNotContain("\"pid\":" + pid + ",");
                    }
                } finally {
                    controller.destroyForcibly();
                    // this session's agents only: other test runs on the machine have their own
                    for (long pid : session == null ? List.<Long>of() : agentPids(session)) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            }
        }
    }

    /** PIDs of agent JVMs of a session (by their -Dlatscope.session= argument). */
    private static List<Long> agentPids(String session) {
        io.latscope.testbed.Cmd.Result r = io.latscope.testbed.Cmd.exec(List.of("pgrep", "-f",
                "latscope.session=" + session + " "));
        return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String passwordOf(TestRedis r) {
        return r.password();
    }

    static InetAddress addr(String s) throws Exception {
        return InetAddress.getByName(s);
    }
}
