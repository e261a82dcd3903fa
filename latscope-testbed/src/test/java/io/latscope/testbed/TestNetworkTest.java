package io.latscope.testbed;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a test JVM killed mid-run leaves behind (its namespaces, a root-namespace bridge with
 * an address) is removed by the next run's first network; a live process's networks stay. A
 * namespace's TCP runs the test bed's congestion control, whatever the host's default.
 */
@KernelTest
class TestNetworkTest {
    @Test
    void leftoversOfARunThatEndedAreRemovedAndALiveRunsAreKept() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        String deadNs = "ls" + Long.toHexString(dead) + "-1-client";
        String deadBridge = "lsbrdead" + Long.toHexString(dead & 0xffff);
        try (TestNetwork live = TestNetwork.create()) { // this process's first network swept already
            live.namespace("server");
            String bridge = live.rootBridge("10.91.0.254/24");
            // what a run killed before it closed its network leaves
            Cmd.run("ip", "netns", "add", deadNs);
            Cmd.run("ip", "link", "add", deadBridge, "type", "bridge");
            Cmd.run("ip", "link", "set", "dev", deadBridge, "alias", TestNetwork.ownerAlias(dead));

            List<String> removed = TestNetwork.removeLeftoversOfDeadRuns();

            assertThat(removed).containsExactlyInAnyOrder("netns " + deadNs, "link " + deadBridge);
            assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(deadNs).contains(live.nsName("server"));
            assertThat(Cmd.exec(List.of("ip", "link", "show", deadBridge)).exit()).isNotZero();
            assertThat(Cmd.run("ip", "-o", "link", "show", bridge)).contains(TestNetwork.ownerAlias(ProcessHandle.current().pid()));
        } finally {
            Cmd.exec(List.of("ip", "netns", "del", deadNs));
            Cmd.exec(List.of("ip", "link", "del", deadBridge));
        }
    }

    @Test
    void namespacesRunTheTestBedsCongestionControlWhateverTheHostsDefault() {
        String host = Cmd.run("sysctl", "-n", "net.ipv4.tcp_congestion_control").strip();
        try (TestNetwork net = TestNetwork.create()) {
            net.namespace("cc");
            net.congestionControl("bbr").namespace("bbr");
            assertThat(congestionControl(net, "cc")).as("the host's default: %s", host)
                    .isEqualTo(TestNetwork.DEFAULT_CONGESTION_CONTROL);
            assertThat(congestionControl(net, "bbr")).as("the host's default: %s", host).isEqualTo("bbr");
        }
    }

    private static String congestionControl(TestNetwork net, String ns) {
        return Cmd.run("ip", "netns", "exec", net.nsName(ns), "sysctl", "-n", "net.ipv4.tcp_congestion_control").strip();
    }
}
