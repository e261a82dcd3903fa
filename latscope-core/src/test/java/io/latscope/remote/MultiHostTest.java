package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.LatScope;
import io.latscope.LatencyReport;
import io.latscope.MarkerPath;
import io.latscope.SessionSpec;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.test.KernelTest;
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
            SessionSpec spec = LatScope.builder().ports(5401, 5402).stride(1024).markerListener(paths::add).build();
            TcpTraffic.FlowResult f12;
            TcpTraffic.FlowResult f31;
            LatencyReport r;
            try (TestRedis redis = TestRedis.start("10.80.0.254", 26379, "pw-" + System.nanoTime())) {
                RedisEndpoint ep = RedisEndpoint.parse(redis.url(), passwordOf(redis));
                try (RemoteSession s = RemoteSession.start(spec, targets, ep, Sync.xdp(),
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
            io.latscope.store.StoreSpec mem = io.latscope.store.Stores.inMemory();
            SessionSpec spec = LatScope.builder().ports(5403).stride(1024).interval(Duration.ofMillis(200)).store(mem).build();
            LatencyReport r;
            ControllerReaderStats stats;
            String id;
            try (TestRedis redis = TestRedis.start("10.81.0.254", 26380, null)) {
                try (RemoteSession s = RemoteSession.start(spec, bed.targets(), RedisEndpoint.parse(redis.url(), null),
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
            LatencyReport stored = mem.open().load(id).orElseThrow();
            assertThat(stored.hop(END_TO_END).count()).isEqualTo(3000);
            assertThat(stored.hop(RX_SOCKET).count()).isEqualTo(r.hop(RX_SOCKET).count());
        }
    }

    record ControllerReaderStats(long missing, long reconnects) {
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
                try {
                    String ready = new java.io.BufferedReader(new java.io.InputStreamReader(controller.getInputStream()))
                            .readLine();
                    assertThat(ready).as("controller output").startsWith("ready ");
                    String session = ready.substring(6).strip();
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
                    for (long pid : agentPids("")) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            }
        }
    }

    /** PIDs of agent JVMs of a session (by their -Dlatscope.session= argument). */
    private static List<Long> agentPids(String session) {
        io.latscope.testbed.Cmd.Result r = io.latscope.testbed.Cmd.exec(List.of("pgrep", "-f",
                "latscope.session=" + session + (session.isEmpty() ? "" : " ")));
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
