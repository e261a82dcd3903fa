package io.latscope.remote;

import io.latscope.Host;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values that reach a remote shell and pass validation (a javaHome may hold a quote; JVM
 * options and arguments may hold anything) are quoted there: on a real sshd, none of them
 * runs a command. Each hostile value would create a marker file if a shell ever evaluated
 * it. Values that cannot be quoted safely are refused before (HostileInputTest in
 * latscope-api: {@code $(reboot)} as an address, {@code eth0;x} as an interface).
 */
@KernelTest
class HostileShellInputTest {

    @Test
    void hostileValuesReachTheRemoteShellQuotedAndRunNothing() throws Exception {
        Path marker = Path.of("/tmp/latscope-pwned-" + ProcessHandle.current().pid());
        Files.deleteIfExists(marker);
        List<String> hostile = List.of("$(touch " + marker + ")", "`touch " + marker + "`", "'; touch " + marker + "; '",
                "\"; touch " + marker + "; \"", "x\\'; touch " + marker + " #", "a\nb; touch " + marker);
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, "10.91.0.254/24", List.of(new HostSpec("h1", "10.91.0.1/24")))) {
            Host.Ssh h = SshTestSupport.host(ssh.host("h1"));
            SshDeployer d = SshDeployer.create();
            // javaHome: probed by the preflight script, then used in the start command
            Host.Ssh badJava = h.javaHome("/x'; touch " + marker + "; '");
            HostCheck c = d.preflight(List.of(badJava), new Preflight(Preflight.JAVA_FEATURE, 0)).getFirst();
            assertThat(c.ready()).isFalse();
            assertThat(c.problems()).anySatisfy(p -> assertThat(p).contains("no Java").contains("/x'; touch " + marker));
            // JVM options, arguments and the input line: each word arrives as given
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            List<String> jvm = hostile.stream().filter(v -> !v.contains("\n")).map(v -> "-Dls.v" + v.hashCode() + "=" + v).toList();
            try (RemoteAgent a = d.start(h, new AgentLaunch(AgentLaunch.ownClassPath(), StdinEchoMain.class.getName(), jvm,
                    hostile.stream().filter(v -> !v.contains("\n")).toList(), Map.of("LS_TEST", hostile.get(0)), out::add,
                    hostile.get(2)))) {
                assertThat(SshTestSupport.eventually(Duration.ofSeconds(30), () -> out.stream()
                        .anyMatch(l -> l.startsWith("agent started")))).as("agent output %s", out).isTrue();
                String cmdline = SshTestSupport.commandLine(a.pid()).orElse("");
                for (String v : hostile.subList(0, 5)) {
                    assertThat(cmdline).contains(v); // literally, as one argument
                }
            }
            // stdout and stderr arrive on two threads: "err line 0" may come first
            assertThat(out).anySatisfy(l -> assertThat(l).matches("agent started pid \\d+ env "
                    + java.util.regex.Pattern.quote(hostile.get(0))));
        }
        assertThat(marker).as("a hostile value was run by a shell").doesNotExist();
    }
}
