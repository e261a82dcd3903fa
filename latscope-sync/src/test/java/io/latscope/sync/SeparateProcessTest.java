package io.latscope.sync;

import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The responder and the initiator in different processes, sharing only the session key. */
@KernelTest
class SeparateProcessTest {

    @Test
    void aResponderInAnotherProcessAnswersTheControllersInitiator() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            SyncFailureTest.Pair p = SyncFailureTest.Pair.of(net, "10.86.0");
            SessionKey key = SessionKey.random();
            assertThat(SessionKey.decode(key.encode())).isEqualTo(key);
            SyncStrategy strategy = Sync.xdp().withProbes(200).withInterval(Duration.ofHours(1));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process agent = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), ResponderProcess.class.getName(),
                    "b", p.b().netns().path().toString(), p.b().ifname(), "10.86.0.2", String.valueOf(strategy.port()),
                    key.encode(), "a", p.a().netns().path().toString(), p.a().ifname(), "10.86.0.1")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).isEqualTo("ready NATIVE");
                try (ClockSync sync = ClockSync.startWithRemoteResponders(strategy, key, p.a(), List.of(p.b()))) {
                    sync.syncNow();
                    ClockModel m = sync.model("b");
                    System.out.println("responder in another process: " + m);
                    assertThat(sync.lastRound("b").orElseThrow().answered()).isEqualTo(200);
                    // 150 ns, as in XdpSyncAccuracyTest: the two-step bias on a paravirtualised VM
                    assertThat(Math.abs(m.offsetNanos())).as(m.toString())
                            .isLessThanOrEqualTo(SyncHosts.allowedErrorNanos(m.method(), 150))
                            .isLessThanOrEqualTo(m.errorBoundNanos());
                    assertThat(sync.responderStats()).isEmpty();
                }
                agent.getOutputStream().close();
                // two rounds of 200, each with 4 warm-ups and one follow-up, plus first contact
                assertThat(out.readLine()).isEqualTo("answered " + (2 * 205 + 1));
                assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(agent.exitValue()).isZero();
            } finally {
                agent.destroyForcibly();
            }
            assertThat(net.attachedBpf()).isEmpty();
        }
    }
}
