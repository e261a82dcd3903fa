package io.latscope.remote;

import io.latscope.Host;
import io.latscope.bpf.test.KernelTest;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.latscope.remote.SshTestSupport.awaitGone;
import static io.latscope.remote.SshTestSupport.host;
import static io.latscope.remote.SshTestSupport.running;
import static org.assertj.core.api.Assertions.assertThat;

/** Deploying a stand-in agent to sshds in network namespaces, over real SSH. */
@KernelTest
class SshDeployerTest {

    @Test
    void startsOnThreeHostsStreamsLogsReusesTheUploadCacheAndStopsOnClose() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.0.1/24", List.of(new HostSpec("h1", "10.77.0.11/24"),
                     new HostSpec("h2", "10.77.0.12/24"), new HostSpec("h3", "10.77.0.13/24")))) {
            SshDeployer d = SshDeployer.create();
            List<Host.Ssh> hosts = ssh.hosts().stream().map(SshTestSupport::host).toList();
            d.requireReady(hosts, new Preflight(25, 0));
            for (int round = 0; round < 2; round++) {
                List<RemoteAgent> agents = new ArrayList<>();
                Map<String, List<String>> logs = Map.of("h1", new CopyOnWriteArrayList<>(), "h2",
                        new CopyOnWriteArrayList<>(), "h3", new CopyOnWriteArrayList<>());
                try {
                    for (Host.Ssh h : hosts) {
                        agents.add(d.start(h, new AgentLaunch(AgentLaunch.ownClassPath(), StdinEchoMain.class.getName(),
                                List.of("-Xmx64m"), List.of("lines=3"), Map.of("LS_TEST", "v " + h.label()),
                                logs.get(h.label())::add)));
                    }
                    for (RemoteAgent a : agents) {
                        assertThat(a.isAlive()).isTrue();
                        assertThat(running(a.pid())).as("pid %d on %s", a.pid(), a.host().label()).isTrue();
                        if (round == 0) {
                            assertThat(a.uploadedFiles()).as("first start on %s uploads the class path", a.host().label())
                                    .isGreaterThan(1);
                        } else {
                            assertThat(a.uploadedFiles()).as("second start on %s hits the cache", a.host().label()).isZero();
                        }
                    }
                    // log lines arrive while the agents run
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (logs.values().stream().anyMatch(l -> l.size() < 7) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    for (RemoteAgent a : agents) {
                        List<String> l = logs.get(a.host().label());
                        assertThat(l).contains("agent started pid " + a.pid() + " env v " + a.host().label(),
                                "out line 0", "out line 2", "err line 0", "err line 2");
                    }
                } finally {
                    for (RemoteAgent a : agents) {
                        a.close();
                    }
                }
                for (RemoteAgent a : agents) {
                    assertThat(a.isAlive()).isFalse();
                    assertThat(a.exitStatus()).contains(0);
                    assertThat(logs.get(a.host().label())).contains("stdin closed");
                    assertThat(awaitGone(a.pid(), Duration.ofSeconds(2))).as("pid %d on %s", a.pid(), a.host().label())
                            .isTrue();
                    a.close(); // idempotent
                }
            }
            for (String h : List.of("h1", "h2", "h3")) {
                assertThat(ssh.pidsIn(h)).as("processes in %s besides sshd", h).hasSize(1);
            }
        }
    }
}
