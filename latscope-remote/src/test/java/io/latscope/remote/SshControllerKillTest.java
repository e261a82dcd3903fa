package io.latscope.remote;

import io.latscope.testbed.KernelTest;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.latscope.remote.SshTestSupport.awaitGone;
import static io.latscope.remote.SshTestSupport.running;
import static org.assertj.core.api.Assertions.assertThat;

/** A controller JVM killed with SIGKILL leaves no agent behind. */
@KernelTest
class SshControllerKillTest {

    @Test
    void remoteAgentsExitWithinSecondsOfTheControllerBeingKilled() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.7.1/24",
                     List.of(new HostSpec("t", "10.77.7.11/24").withPasswordlessSudo()))) {
            SshTestHosts.Endpoint t = ssh.host("t");
            // one controller logs in as root, the other as a user whose agent runs through sudo
            Controller asRoot = Controller.start(t, "root", false);
            Controller viaSudo = Controller.start(t, SshTestHosts.TEST_USER, true);
            for (Controller c : List.of(asRoot, viaSudo)) {
                assertThat(c.agentPid).as("controller output: %s", c.output).isPositive();
                assertThat(running(c.agentPid)).isTrue();
                assertThat(ssh.pidsIn("t")).contains(c.agentPid);
            }
            for (Controller c : List.of(asRoot, viaSudo)) {
                c.process.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                c.process.waitFor();
                assertThat(c.process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
            }
            long t0 = System.nanoTime();
            for (Controller c : List.of(asRoot, viaSudo)) {
                assertThat(awaitGone(c.agentPid, Duration.ofSeconds(5)))
                        .as("agent pid %d (%s) still runs 5 s after the controller died", c.agentPid, c.user).isTrue();
            }
            System.out.println("agents gone " + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms after kill -9");
            // and sshd cleaned up the sessions: only the listening sshd is left in the namespace
            assertThat(SshTestSupport.onlySshdLeft(ssh, "t")).as("processes in t: %s", ssh.pidsIn("t")).isTrue();
        }
    }

    /** A controller JVM that has started an agent (through sudo or not) and printed the agent's pid. */
    private record Controller(String user, Process process, long agentPid, List<String> output) {
        static Controller start(SshTestHosts.Endpoint t, String user, boolean sudo) throws Exception {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SshControllerMain.class.getName(), t.address(), user,
                    t.privateKey().toString(), t.knownHosts().toString(), String.valueOf(sudo))
                    .redirectErrorStream(true).start();
            List<String> seen = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                seen.add(line);
                if (line.startsWith("REMOTE_PID ")) {
                    // with sudo this is sudo's pid; its child, the JVM, is in the same process group
                    return new Controller(user, p, Long.parseLong(line.substring(11)), seen);
                }
            }
            p.destroyForcibly();
            return new Controller(user, p, -1, seen);
        }
    }
}
