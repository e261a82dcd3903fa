package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.latscope.remote.SshTestSupport.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Preflight against good and broken hosts: one error naming every broken host and its cause. */
@KernelTest
class SshPreflightTest {

    @Test
    void oneErrorNamesEveryBrokenHostAndItsCauseAndNothingRunsAnywhere() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.2.1/24", List.of(
                     new HostSpec("good1", "10.77.2.11/24"), new HostSpec("good2", "10.77.2.12/24"),
                     new HostSpec("newkey", "10.77.2.13/24"), new HostSpec("oldkey", "10.77.2.14/24"),
                     new HostSpec("nobtf", "10.77.2.15/24").withoutBtf(),
                     new HostSpec("nojava", "10.77.2.16/24").withoutJava(25)))) {
            // known_hosts without "newkey", and with another key for "oldkey"
            Path kh = ssh.dir().resolve("known_hosts_test");
            Path other = ssh.dir().resolve("other_host_key");
            Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", other.toString());
            String otherKey = Files.readString(Path.of(other + ".pub")).strip();
            StringBuilder sb = new StringBuilder();
            for (SshTestHosts.Endpoint e : ssh.hosts()) {
                switch (e.name()) {
                    case "newkey" -> { }
                    case "oldkey" -> sb.append(e.address()).append(' ').append(otherKey).append('\n');
                    default -> sb.append(e.hostKeyLine()).append('\n');
                }
            }
            Files.writeString(kh, sb);
            String wrongPassword = "not-" + ssh.testUserPassword();
            List<Host.Ssh> hosts = List.of(
                    host(ssh.host("good1")).knownHosts(kh),
                    host(ssh.host("good2")).knownHosts(kh),
                    gone("gone1", ssh, kh), gone("gone2", ssh, kh), gone("gone3", ssh, kh), gone("gone4", ssh, kh),
                    Host.ssh("10.77.2.11").label("badpw").user(SshTestHosts.TEST_USER).password(wrongPassword).knownHosts(kh),
                    Host.ssh("10.77.2.11").label("notroot").user(SshTestHosts.TEST_USER).password(ssh.testUserPassword())
                            .knownHosts(kh),
                    host(ssh.host("newkey")).knownHosts(kh),
                    host(ssh.host("oldkey")).knownHosts(kh),
                    host(ssh.host("nobtf")).knownHosts(kh),
                    host(ssh.host("nojava")).knownHosts(kh));

            long t0 = System.nanoTime();
            RemoteHostException e = catchThrowableOfType(RemoteHostException.class,
                    () -> SshDeployer.create().requireReady(hosts, new Preflight(25, 0)));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(e).as("requireReady must fail").isNotNull();
            String m = e.getMessage();
            System.out.println(m); // for people reading the test output: this is what users see
            assertThat(m).startsWith("10 of 12 hosts are not ready");
            Map<String, String> lines = m.lines().skip(1).map(String::strip)
                    .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(' ')), l -> l));
            assertThat(lines.keySet()).containsExactlyInAnyOrder("gone1", "gone2", "gone3", "gone4", "badpw", "notroot", "newkey", "oldkey", "nobtf",
                    "nojava");
            assertThat(lines.get("gone1")).contains("root@10.77.2.91:22", "unreachable");
            assertThat(lines.get("badpw")).contains("authentication failed for user 'lstest'", "tried password");
            assertThat(lines.get("notroot")).contains("logs in as 'lstest' (uid 4242), not root", "sudo(true)");
            assertThat(lines.get("newkey")).contains("host key unknown", "10.77.2.13", "SHA256:", "trustUnknownHostKeys()");
            assertThat(lines.get("oldkey")).contains("host key CHANGED", "10.77.2.14", "ssh-keygen -R");
            assertThat(lines.get("nobtf")).contains("no kernel BTF").doesNotContain("Java");
            assertThat(lines.get("nojava")).contains("no Java 25", "17.0").doesNotContain("BTF");
            assertThat(m).doesNotContain(wrongPassword).doesNotContain(ssh.testUserPassword());
            assertThat(e.host()).contains("gone1", "nojava").doesNotContain("good");
            assertThat(e.notReady()).hasSize(10);
            // in parallel: one after the other, the four unreachable hosts alone would take 4 × 2 s
            assertThat(took).isLessThan(Duration.ofSeconds(8));

            // the preflight started nothing: every host is back to its sshd alone
            for (SshTestHosts.Endpoint h : ssh.hosts()) {
                assertThat(SshTestSupport.onlySshdLeft(ssh, h.name())).as("processes in %s: %s", h.name(), ssh.pidsIn(h.name()))
                        .isTrue();
            }
        }
    }

    /** An address in the test subnet with nothing behind it. */
    private static Host.Ssh gone(String label, SshTestHosts ssh, Path kh) {
        return Host.ssh("10.77.2.9" + label.charAt(label.length() - 1)).label(label).key(ssh.clientKey()).knownHosts(kh)
                .connectTimeout(Duration.ofSeconds(2));
    }

    @Test
    void aBusySyncPortIsReportedAndAFreeOneIsNot() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.3.1/24", List.of(new HostSpec("busy", "10.77.3.11/24"),
                     new HostSpec("free", "10.77.3.12/24")))) {
            SshDeployer d = SshDeployer.create();
            Host.Ssh busy = host(ssh.host("busy"));
            Host.Ssh free = host(ssh.host("free"));
            try (RemoteAgent holder = d.start(busy, new AgentLaunch(AgentLaunch.ownClassPath(),
                    StdinEchoMain.class.getName(), List.of(), List.of("udp=31999", "lines=0"), Map.of(), l -> { }))) {
                List<HostCheck> checks = d.preflight(List.of(busy, free), new Preflight(25, 31999));
                assertThat(checks.get(0).problems()).containsExactly("UDP port 31999 (clock sync) is in use");
                assertThat(checks.get(1).ready()).as(checks.get(1).toString()).isTrue();
                assertThat(checks.get(1).java()).endsWith("/bin/java");
                assertThat(checks.get(1).root()).isTrue();
                assertThat(holder.isAlive()).isTrue();
            }
            assertThatThrownBy(() -> d.preflight(List.of(busy, busy), Preflight.standard()))
                    .hasMessageContaining("two hosts are labelled 'busy'");
        }
    }
}
