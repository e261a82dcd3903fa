package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.latscope.remote.SshTestSupport.host;
import static org.assertj.core.api.Assertions.assertThat;

/** Authentication methods, host key trust on first use, and secrets kept out of every output. */
@KernelTest
class SshAuthTest {

    @Test
    void agentPassphraseAndPasswordAuthWorkAndNoSecretAppearsInTraceLogsErrorsOrToString() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.4.1/24", List.of(new HostSpec("a", "10.77.4.11/24")))) {
            Path dir = ssh.dir();
            Path agentKey = dir.resolve("agent_key");
            Path encrypted = dir.resolve("encrypted_key");
            String passphrase = "pp-" + ssh.testUserPassword().substring(3);
            Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "agent-key", "-f", agentKey.toString());
            Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "", "-f", encrypted.toString());
            ssh.authorize(Path.of(agentKey + ".pub"));
            ssh.authorize(Path.of(encrypted + ".pub"));
            Path sock = dir.resolve("agent.sock");
            Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                for (int i = 0; i < 200 && !Files.exists(sock); i++) {
                    Thread.sleep(10);
                }
                ProcessBuilder add = new ProcessBuilder("ssh-add", agentKey.toString()).redirectErrorStream(true);
                add.environment().put("SSH_AUTH_SOCK", sock.toString());
                Process p = add.start();
                assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace", "-cp", System.getProperty("java.class.path"),
                        SshAuthMain.class.getName(), ssh.host("a").address(), ssh.knownHosts().toString(),
                        encrypted.toString()));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                pb.environment().put("SSH_AUTH_SOCK", sock.toString());
                pb.environment().put("LS_PASSWORD", ssh.testUserPassword());
                pb.environment().put("LS_PASSPHRASE", passphrase);
                Process child = pb.start();
                child.getOutputStream().close();
                String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).as(out).isZero();

                assertThat(out).contains("CHECK agent: ready", "CHECK phrase-ok: ready",
                        "CHECK phrase-bad: cannot read private key " + encrypted + " (wrong passphrase?)",
                        "CHECK password-ok: logs in as 'lstest' (uid 4242), not root",
                        "CHECK password-bad: authentication failed for user 'lstest' (tried password",
                        "RemoteHostException: 3 of 5 hosts are not ready", "AGENT out line 0",
                        "AGENT secret length " + passphrase.length(), "STARTED RemoteAgent[phrase-ok",
                        "DONE");
                assertThat(out).as("trace logging was on, so the search below means something").contains("TRACE");
                assertThat(out).contains("HOST Host.ssh(lstest@10.77.4.11:22, label=password-ok, password=****)",
                        "key=" + encrypted + " (passphrase ****)");
                for (String secret : List.of(ssh.testUserPassword(), "x" + ssh.testUserPassword(), passphrase, "x" + passphrase)) {
                    assertThat(out).as("output of the child").doesNotContain(secret);
                }
            } finally {
                agent.destroy();
                agent.waitFor();
            }
        }
    }

    @Test
    void unknownHostKeyIsRefusedUnlessTrustedThenRememberedAndAChangedKeyIsRefusedEvenWhenTrusted() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.5.1/24", List.of(new HostSpec("a", "10.77.5.11/24")))) {
            SshDeployer d = SshDeployer.create();
            Path kh = ssh.dir().resolve("new").resolve("known_hosts"); // neither file nor directory exist yet
            Host.Ssh h = host(ssh.host("a")).knownHosts(kh);

            assertThat(d.preflight(List.of(h), Preflight.standard()).getFirst().problems())
                    .singleElement().asString().startsWith("host key unknown: 10.77.5.11 offers ssh-ed25519 SHA256:");
            assertThat(kh).doesNotExist();

            assertThat(d.preflight(List.of(h.trustUnknownHostKeys()), Preflight.standard()).getFirst().ready()).isTrue();
            assertThat(Files.readString(kh).strip()).isEqualTo(ssh.host("a").hostKeyLine());
            assertThat(d.preflight(List.of(h), Preflight.standard()).getFirst().ready()).as("remembered").isTrue();

            Path changed = ssh.dir().resolve("changed_known_hosts");
            Path other = ssh.dir().resolve("other_key");
            Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", other.toString());
            Files.writeString(changed, "10.77.5.11 " + Files.readString(Path.of(other + ".pub")).strip() + "\n");
            assertThat(d.preflight(List.of(h.knownHosts(changed).trustUnknownHostKeys()), Preflight.standard())
                    .getFirst().problems()).singleElement().asString().startsWith("host key CHANGED");
        }
    }

    @Test
    void aKeyTheHostDoesNotAcceptFailsNamingTheKey() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.6.1/24", List.of(new HostSpec("a", "10.77.6.11/24")))) {
            Path stranger = ssh.dir().resolve("stranger");
            Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", stranger.toString());
            RemoteHostException e = org.assertj.core.api.Assertions.catchThrowableOfType(RemoteHostException.class,
                    () -> SshDeployer.create().requireReady(List.of(host(ssh.host("a")).key(stranger)), Preflight.standard()));
            assertThat(e.getMessage()).isEqualTo("1 of 1 host is not ready for LatScope's agent:\n  a (root@10.77.6.11:22): "
                    + "authentication failed for user 'root' (tried publickey " + stranger
                    + "; the server accepts publickey,password)");
            assertThat(e.host()).isEqualTo("a");
        }
    }
}
