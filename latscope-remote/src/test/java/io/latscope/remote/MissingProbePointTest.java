package io.latscope.remote;

import io.latscope.Hop;
import io.latscope.LatScope;
import io.latscope.LatencyReport;
import io.latscope.SessionListener;
import io.latscope.SessionSpec;
import io.latscope.agent.LocalProbes;
import io.latscope.bpf.NetNs;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TestNetwork;
import io.latscope.testbed.TestRedis;
import io.latscope.transport.RedisEndpoint;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A host whose kernel lacks a probe point (sk_data_ready before 6.6, here simulated on h2
 * alone: its agent's probe load treats the point as refused) does not stop the session: it
 * starts, the report names the missing hops on that host only, and the other host's hops
 * are whole.
 */
@KernelTest
class MissingProbePointTest {

    @Test
    void aPointMissingOnOneHostIsNamedForThatHostOnly() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            String br = net.rootBridge(null);
            String me = net.rootPort("10.88.0.254/24", br);
            List<RemoteTarget> targets = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                String h = "h" + i;
                NetNs ns = net.namespace(h);
                String dev = net.connectToRootBridge(h, "10.88.0." + i + "/24", br);
                List<String> jvm = i == 2 ? List.of("-D" + LocalProbes.REFUSE_POINTS_PROPERTY + "=RX_SOCK") : List.of();
                targets.add(new RemoteTarget(h, new NamespaceLauncher(ns, jvm), SyncHost.of(h, ns, dev, "10.88.0." + i)));
            }
            LatencyReport r;
            Map<Hop, String> unavailable;
            try (TestRedis redis = TestRedis.start("10.88.0.254", 26388, null)) {
                SessionSpec spec = LatScope.builder().ports(5602, 5603).stride(1024).redis(redis.url()).build();
                try (RemoteSession s = RemoteSession.start(spec, SessionListener.NONE, targets, RedisEndpoint.of(spec.redis()),
                        Sync.none(), SyncHost.of("controller", NetNs.current(), me, "10.88.0.254"))) {
                    unavailable = s.unavailable();
                    // both directions: h2 receives (lacking its socket-receive point) and sends
                    Thread back = Thread.ofPlatform().start(() -> NativeTraffic.messages(net.ns("h2"), net.ns("h1"),
                            "10.88.0.1", 5603, 1024, 500, Duration.ofMillis(2), Duration.ZERO));
                    NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.88.0.2", 5602, 1024, 500, Duration.ofMillis(2),
                            Duration.ZERO);
                    back.join();
                    s.close();
                    r = s.snapshot();
                }
            }
            System.out.println(r);
            assertThat(unavailable).isNotEmpty().allSatisfy((hop, why) -> {
                assertThat(hop.scope()).as(hop.toString()).isEqualTo("h2");
                assertThat(why).contains("refused");
            });
            assertThat(unavailable.keySet()).extracting(Hop::unscoped).contains(Hop.RX_SOCKET);
            assertThat(r.unavailable()).isEqualTo(unavailable);
            assertThat(r.toString()).contains("rx.SOCKET@h2").contains("unavailable");
            // h1 measures every hop of its own, receiving included
            // (a hop measured on one host only is shown unscoped, with that host as its sole scope)
            assertThat(r.soleScope(Hop.RX_SOCKET)).isEqualTo("h1");
            assertThat(r.findHop(Hop.RX_SOCKET)).hasValueSatisfying(h -> assertThat(h.count()).isPositive());
            assertThat(r.findHop(Hop.TX_TCP.in("h2"))).hasValueSatisfying(h -> assertThat(h.count()).isPositive());
            assertThat(r.findHop(Hop.RX_SOCKET.in("h2"))).isEmpty();
        }
    }
}
