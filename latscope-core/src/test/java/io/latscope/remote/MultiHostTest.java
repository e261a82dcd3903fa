package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.HopStats;
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
            List<Hop> hops12 = r.hops(k12).stream().map(HopStats::hop).map(Hop::unscoped).toList();
            assertThat(hops12).as(r.toString()).contains(TX_SOCKET, TX_TCP, TX_IP, TX_DEV, NETWORK, RX_DEV, RX_IP, RX_TCP,
                    RX_SOCKET, END_TO_END);
            HopStats e2e = r.hops(k12).stream().filter(h -> h.hop().equals(END_TO_END)).findFirst().orElseThrow();
            assertThat(e2e.count()).isEqualTo(2000);
            for (double p : new double[] {50, 99}) {
                long app = f12.percentile(p);
                long ours = e2e.percentileNanos(p);
                assertThat(Math.abs(app - ours)).as("p%s app %d ours %d", p, app, ours)
                        .isLessThanOrEqualTo(Math.max(app / 20, 5_000));
            }
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

    private static String passwordOf(TestRedis r) {
        return r.password();
    }

    static InetAddress addr(String s) throws Exception {
        return InetAddress.getByName(s);
    }
}
