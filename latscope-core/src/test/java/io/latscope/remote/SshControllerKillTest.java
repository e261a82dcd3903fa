package io.latscope.remote;

import io.latscope.bpf.test.KernelTest;
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
    void remoteAgentExitsWithinSecondsOfTheControllerBeingKilled() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.77.7.1/24", List.of(new HostSpec("t", "10.77.7.11/24")))) {
            SshTestHosts.Endpoint t = ssh.host("t");
            Process controller = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SshControllerMain.class.getName(), t.address(),
                    t.privateKey().toString(), t.knownHosts().toString())
                    .redirectErrorStream(true).start();
            List<String> seen = new ArrayList<>();
            long pid = -1;
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = r.readLine()) != null) {
                    seen.add(line);
                    if (line.startsWith("REMOTE_PID ")) {
                        pid = Long.parseLong(line.substring(11));
                        break;
                    }
                }
                assertThat(pid).as("controller output: %s", seen).isPositive();
                assertThat(running(pid)).isTrue();
                assertThat(SshTestSupport.commandLine(pid)).hasValueSatisfying(c -> assertThat(c).contains("StdinEchoMain"));
                assertThat(ssh.pidsIn("t")).contains(pid);
            } finally {
                controller.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                controller.waitFor();
            }
            assertThat(controller.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
            long t0 = System.nanoTime();
            assertThat(awaitGone(pid, Duration.ofSeconds(5))).as("agent pid %d still runs 5 s after the controller died",
                    pid).isTrue();
            System.out.println("agent gone " + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms after kill -9");
            // and sshd cleaned up the session: only the listening sshd is left in the namespace
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (ssh.pidsIn("t").size() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ssh.pidsIn("t")).hasSize(1);
        }
    }
}
