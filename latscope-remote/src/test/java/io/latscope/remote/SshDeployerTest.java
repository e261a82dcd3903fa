package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.latscope.remote.SshTestSupport.awaitGone;
import static io.latscope.remote.SshTestSupport.eventually;
import static io.latscope.remote.SshTestSupport.onlySshdLeft;
import static io.latscope.remote.SshTestSupport.host;
import static io.latscope.remote.SshTestSupport.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Deploying a stand-in agent to sshds in network namespaces, over real SSH. */
@KernelTest
class SshDeployerTest {

    @Test
    void startsOnThreeHostsStreamsLogsReusesTheUploadCacheAndStopsOnClose() throws Exception {
        List<Long> sshds = new ArrayList<>();
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.0.1/24", List.of(new HostSpec("h1", "10.77.0.11/24"),
                     new HostSpec("h2", "10.77.0.12/24"), new HostSpec("h3", "10.77.0.13/24")))) {
            ssh.hosts().forEach(e -> sshds.add(e.sshdPid()));
            // (sshd rewrites its own command line, so check the executable)
            assertThat(sshds).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().command()))
                    .contains("/usr/sbin/sshd"));
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
                        assertThat(running(a.pid())).as("pid %d on %s", a.pid(), a.host()).isTrue();
                        if (round == 0) {
                            assertThat(a.uploadedFiles()).as("first start on %s uploads the class path", a.host())
                                    .isGreaterThan(1);
                        } else {
                            assertThat(a.uploadedFiles()).as("second start on %s hits the cache", a.host()).isZero();
                        }
                    }
                    // log lines arrive while the agents run
                    eventually(Duration.ofSeconds(20), () -> logs.values().stream().allMatch(l -> l.size() >= 7));
                    for (RemoteAgent a : agents) {
                        List<String> l = logs.get(a.host());
                        assertThat(l).contains("agent started pid " + a.pid() + " env v " + a.host(),
                                "out line 0", "out line 2", "err line 0", "err line 2");
                    }
                } finally {
                    for (RemoteAgent a : agents) {
                        a.close();
                    }
                }
                if (round == 0) {
                    // on h1, age the cache: what the next start wants is kept (and marked used), the rest pruned
                    try (var files = Files.list(ssh.rootHome("h1").resolve(".cache/latscope"))) {
                        for (Path f : files.toList()) {
                            Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(Duration.ofDays(40))));
                        }
                    }
                    Path cache = ssh.rootHome("h1").resolve(".cache/latscope");
                    for (String stale : List.of("0000.jar", ".upload-0000-1")) {
                        Files.writeString(cache.resolve(stale), "stale");
                        Files.setLastModifiedTime(cache.resolve(stale), FileTime.from(Instant.now().minus(Duration.ofDays(40))));
                    }
                }
                for (RemoteAgent a : agents) {
                    assertThat(a.isAlive()).isFalse();
                    assertThat(a.exitStatus()).contains(0);
                    assertThat(logs.get(a.host())).contains("stdin closed");
                    assertThat(awaitGone(a.pid(), Duration.ofSeconds(2))).as("pid %d on %s", a.pid(), a.host())
                            .isTrue();
                    a.close(); // idempotent
                }
            }
            Path cache = ssh.rootHome("h1").resolve(".cache/latscope");
            assertThat(cache.resolve("0000.jar")).as("pruned").doesNotExist();
            assertThat(cache.resolve(".upload-0000-1")).as("pruned").doesNotExist();
            try (var files = Files.list(cache)) {
                assertThat(files.toList()).hasSize(AgentLaunch.ownClassPath().size()).allSatisfy(f -> assertThat(
                        Files.getLastModifiedTime(f).toInstant()).as("marked used").isAfter(Instant.now().minus(Duration.ofDays(1))));
            }
            for (String h : List.of("h1", "h2", "h3")) {
                assertThat(onlySshdLeft(ssh, h)).as("processes in %s: %s", h, ssh.pidsIn(h)).isTrue();
            }
        }
        assertThat(sshds).as("sshds after the test hosts closed").noneMatch(SshTestSupport::running);
    }

    @Test
    void closeKillsAnAgentThatIgnoresEofAndWhatItLeftInItsProcessGroup() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.8.1/24", List.of(new HostSpec("k", "10.77.8.11/24"),
                     new HostSpec("nojava", "10.77.8.12/24").withoutJava(25)))) {
            SshDeployer d = SshDeployer.create();
            Host.Ssh k = host(ssh.host("k"));
            List<String> log = new CopyOnWriteArrayList<>();
            RemoteAgent a = d.start(k, new AgentLaunch(AgentLaunch.ownClassPath(), StdinEchoMain.class.getName(), List.of(),
                    List.of("lines=0", "child", "ignore-eof"), Map.of(), log::add));
            eventually(Duration.ofSeconds(20), () -> log.stream().anyMatch(l -> l.startsWith("child pid ")));
            long child = log.stream().filter(l -> l.startsWith("child pid ")).mapToLong(l -> Long.parseLong(l.substring(10)))
                    .findFirst().orElseThrow(() -> new AssertionError("no child pid in " + log));
            assertThat(running(child)).isTrue();
            long t0 = System.nanoTime();
            a.close();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(log).contains("stdin closed");
            // it ignored EOF, so close() waited out the grace and then signalled (SIGTERM: exit 143; a JVM
            // too slow to stop under load gets SIGKILL and no exit status)
            assertThat(took).as("grace, then SIGTERM").isGreaterThanOrEqualTo(Duration.ofSeconds(RemoteAgent.STOP_GRACE_SECONDS));
            assertThat(a.exitStatus().orElse(143)).isEqualTo(143);
            assertThat(awaitGone(a.pid(), Duration.ofSeconds(2))).isTrue();
            assertThat(awaitGone(child, Duration.ofSeconds(2))).as("the agent's child %d", child).isTrue();

            // an agent that exits by itself (on a host whose shell start-up is chatty), and one whose main class does not exist
            Files.writeString(ssh.rootHome("k").resolve(".bashrc"), "echo noisy start-up\n");
            List<String> quitLog = new CopyOnWriteArrayList<>();
            try (RemoteAgent quits = d.start(k, new AgentLaunch(AgentLaunch.ownClassPath(), StdinEchoMain.class.getName(),
                    List.of(), List.of("exit=3"), Map.of(), quitLog::add))) {
                assertThat(quits.awaitExit(Duration.ofSeconds(20))).isTrue();
                assertThat(quitLog).containsExactly("noisy start-up", "exiting with 3");
                assertThat(quits.isAlive()).isFalse();
                assertThat(quits.exitStatus()).contains(3);
            }
            List<String> err = new CopyOnWriteArrayList<>();
            try (RemoteAgent missing = d.start(k, new AgentLaunch(AgentLaunch.ownClassPath(), "no.such.Main", List.of(),
                    List.of(), Map.of(), err::add))) {
                assertThat(missing.awaitExit(Duration.ofSeconds(20))).isTrue();
                assertThat(missing.exitStatus()).contains(1);
                assertThat(err).anySatisfy(l -> assertThat(l).contains("no.such.Main"));
            }

            // no Java 25: start fails naming host and cause, and leaves nothing behind
            Host.Ssh nojava = host(ssh.host("nojava"));
            assertThatThrownBy(() -> d.start(nojava, new AgentLaunch(AgentLaunch.ownClassPath(),
                    StdinEchoMain.class.getName(), List.of(), List.of(), Map.of(), l -> { })))
                    .isInstanceOf(RemoteHostException.class)
                    .hasMessageStartingWith("nojava (root@10.77.8.12:22): cannot start the agent: no Java 25: found /usr/bin/java");
            // all or nothing: the agent that started on k is stopped again
            List<String> kLog = new CopyOnWriteArrayList<>();
            RemoteHostException e = catchThrowableOfType(RemoteHostException.class, () -> d.startAll(List.of(k, nojava),
                    h -> new AgentLaunch(AgentLaunch.ownClassPath(), StdinEchoMain.class.getName(), List.of(), List.of(),
                            Map.of(), h.label().equals("k") ? kLog::add : l -> { })));
            assertThat(e.getMessage()).startsWith("cannot start agents on 1 of 2 hosts (stopped the 1 that started):\n"
                    + "  nojava (root@10.77.8.12:22): cannot start the agent: no Java 25");
            assertThat(e.host()).isEqualTo("nojava");
            assertThat(kLog).contains("stdin closed");
            for (String h : List.of("k", "nojava")) {
                assertThat(onlySshdLeft(ssh, h)).as("processes in %s: %s", h, ssh.pidsIn(h)).isTrue();
            }
        }
    }

    @Test
    void aNonRootUserWithPasswordlessSudoRunsTheAgentAsRootAndCloseStopsIt() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.10.1/24",
                     List.of(new HostSpec("s", "10.77.10.11/24").withPasswordlessSudo()))) {
            SshDeployer d = SshDeployer.create();
            Host.Ssh plain = Host.ssh("10.77.10.11").label("s").user(SshTestHosts.TEST_USER)
                    .password(ssh.testUserPassword()).knownHosts(ssh.knownHosts());
            assertThat(d.preflight(List.of(plain), Preflight.standard()).getFirst().problems())
                    .singleElement().asString().contains("not root", "sudo(true)");
            Host.Ssh sudo = plain.sudo(true);
            HostCheck check = d.preflight(List.of(sudo), Preflight.standard()).getFirst();
            assertThat(check.ready()).as(check.toString()).isTrue();
            assertThat(check.root()).isFalse();

            List<String> log = new CopyOnWriteArrayList<>();
            RemoteAgent a = d.start(sudo, new AgentLaunch(AgentLaunch.ownClassPath(), StdinEchoMain.class.getName(),
                    List.of(), List.of("lines=0", "child", "ignore-eof"), Map.of("LS_TEST", "through sudo"), log::add));
            eventually(Duration.ofSeconds(20), () -> log.stream().anyMatch(l -> l.startsWith("agent started pid ")));
            String started = log.stream().filter(l -> l.startsWith("agent started pid ")).findFirst()
                    .orElseThrow(() -> new AssertionError("agent did not start: " + log));
            assertThat(started).endsWith(" env through sudo");
            long java = Long.parseLong(started.split(" ")[3]);
            long child = log.stream().filter(l -> l.startsWith("child pid ")).mapToLong(l -> Long.parseLong(l.substring(10)))
                    .findFirst().orElseThrow();
            assertThat(ProcessHandle.of(java).flatMap(p -> p.info().user())).as("the agent's user").contains("root");
            a.close(); // the agent ignores EOF: the kill goes through sudo
            for (long pid : new long[] {a.pid(), java, child}) {
                assertThat(awaitGone(pid, Duration.ofSeconds(2))).as("pid %d", pid).isTrue();
            }
            assertThat(log).contains("stdin closed");
        }
    }
}
