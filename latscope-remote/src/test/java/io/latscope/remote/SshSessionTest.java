package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.FlowKey;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.MarkerPath;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.error.LatScopeException;
import io.latscope.sync.Sync;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;
import io.latscope.testbed.TestRedis;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.latscope.Hop.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole system through the public builder: three hosts, each a namespace with its
 * own sshd; agents deployed over SSH, reporting through a Redis of the test's own, clocks
 * synced over XDP to the controller.
 */
@KernelTest
class SshSessionTest {

    @Test
    void threeHostsOverSshTwoFlowsEveryHopAndEndToEndAsTheApplicationsSeeIt() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, null, List.of(new SshTestHosts.HostSpec("h1", "10.83.0.1/24"),
                     new SshTestHosts.HostSpec("h2", "10.83.0.2/24"), new SshTestHosts.HostSpec("h3", "10.83.0.3/24")))) {
            String me = net.rootPort("10.83.0.254/24", ssh.bridge());
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            TcpTraffic.FlowResult f12;
            LatencyReport r;
            try (TestRedis redis = TestRedis.start("10.83.0.254", 26390, "redis-" + System.nanoTime())) {
                LatScope.Builder b = LatScope.builder().ports(5501, 5502).stride(1024)
                        .redis(redis.url(), redis.password()).sync(io.latscope.SyncSpec.xdp())
                        .syncReference(io.latscope.Namespace.current(), me, "10.83.0.254");
                for (String h : List.of("h1", "h2", "h3")) {
                    b.hosts(SshTestSupport.host(ssh.host(h)).interfaces("e" + h));
                }
                try (LatScopeSession s = b.start(paths::add)) {
                    Thread other = Thread.ofPlatform().start(() -> NativeTraffic.messages(net.ns("h3"), net.ns("h1"),
                            "10.83.0.1", 5502, 1024, 1000, Duration.ofMillis(1), Duration.ZERO));
                    f12 = NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.83.0.2", 5501, 1024, 2000,
                            Duration.ofMillis(1), Duration.ZERO);
                    other.join();
                    s.close();
                    r = s.snapshot();
                }
            }
            FlowKey k12 = new FlowKey(InetAddress.getByName("10.83.0.1"), f12.clientPort(), InetAddress.getByName("10.83.0.2"), 5501);
            CrossHostAssertions.assertWholePathMatchesApplication(r, k12, f12, 2000, List.copyOf(paths));
            assertThat(r.flowKeys()).hasSize(2);
            assertThat(paths).hasSize(3000).allSatisfy(m -> assertThat(m.sumOfHopsNanos()).isEqualTo(m.endToEndNanos()));
            assertThat(r.clocks()).hasSize(3);
            // every agent has exited and only sshd is left on each host
            for (String h : List.of("h1", "h2", "h3")) {
                assertThat(SshTestSupport.onlySshdLeft(ssh, h)).as(h).isTrue();
            }
        }
    }

    @Test
    void anUnreachableHostOrRedisAwayFailsClearlyAndStartsNothing() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.84.0.254/24", List.of(new SshTestHosts.HostSpec("h1", "10.84.0.1/24")))) {
            try (TestRedis redis = TestRedis.start("10.84.0.254", 26391, null)) {
                assertThatThrownBy(() -> LatScope.builder().ports(5503).redis(redis.url())
                        .hosts(SshTestSupport.host(ssh.host("h1")),
                                io.latscope.Host.ssh("10.84.0.77").label("ghost").connectTimeout(Duration.ofSeconds(2))
                                        .key(ssh.clientKey()).knownHosts(ssh.knownHosts()))
                        .start())
                        .isInstanceOf(RemoteHostException.class).hasMessageContaining("ghost").hasMessageContaining("unreachable");
            }
            assertThat(SshTestSupport.onlySshdLeft(ssh, "h1")).isTrue();
            // Redis not running at all
            assertThatThrownBy(() -> LatScope.builder().ports(5503).redis("redis://10.84.0.254:26392/0")
                    .hosts(SshTestSupport.host(ssh.host("h1"))).start())
                    .isInstanceOf(LatScopeException.class).hasMessageContaining("10.84.0.254:26392").hasMessageContaining("unreachable");
            assertThat(SshTestSupport.onlySshdLeft(ssh, "h1")).isTrue();
        }
    }
}
