package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.error.ConfigurationException;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.latscope.sync.Sync.none;
import static io.latscope.sync.Sync.userSpace;
import static io.latscope.sync.Sync.xdp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@KernelTest
class ClockSyncTest {

    @Test
    void resyncsEveryIntervalInTheBackgroundAndDetachesOnClose() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            SyncFailureTest.Pair p = SyncFailureTest.Pair.of(net, "10.85.0");
            try (ClockSync sync = ClockSync.start(xdp().withProbes(40).withInterval(Duration.ofMillis(150)), p.a(), p.b())) {
                assertThat(sync.models()).containsOnlyKeys("a", "b");
                assertThat(sync.model("a").method()).isEqualTo("reference");
                // the first round ran inside start(); on a busy machine the background's first may have, too
                int first = sync.model("b").probesSeen();
                assertThat(first).isIn(40, 80);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (sync.model("b").probesSeen() < 4 * 40 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                ClockModel m = sync.model("b");
                assertThat(m.probesSeen()).isGreaterThanOrEqualTo(4 * 40);
                assertThat(m.fitWindow()).isGreaterThan(Duration.ofMillis(300));
                assertThat(sync.lastFailure("b")).isEmpty();
                assertThat(sync.history("b").size()).isGreaterThanOrEqualTo(4);
                // after the first, a round is spread over the interval: 8 bursts of 5 probes, 150/8 ms apart
                ProbeRound r = sync.lastRound("b").orElseThrow();
                assertThat(r.sent()).isEqualTo(40);
                assertThat(r.samples().getLast().t2() - r.samples().getFirst().t2())
                        .isGreaterThan(Duration.ofMillis(100).toNanos());
                long t = System.nanoTime();
                assertThat(sync.toReference("b", t)).isCloseTo(t, within(m.errorBoundNanos()));
                assertThat(sync.toReference("a", t)).isEqualTo(t);
                assertThat(Math.abs(m.offsetNanos())).isLessThanOrEqualTo(m.errorBoundNanos());
                assertThat(net.attachedBpf()).hasSize(2); // sync_xdp on both ends of the veth
                assertThatThrownBy(() -> sync.model("c")).isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining("no host c");
            }
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    @Test
    void noneAssumesTheReferenceClockAndAttachesNothing() {
        try (TestNetwork net = TestNetwork.create()) {
            SyncFailureTest.Pair p = SyncFailureTest.Pair.of(net, "10.85.1");
            try (ClockSync sync = ClockSync.start(none(), p.a(), p.b())) {
                assertThat(net.attachedBpf()).isEmpty();
                ClockModel m = sync.model("b");
                assertThat(m.toReference(987_654_321L)).isEqualTo(987_654_321L);
                assertThat(m.method()).isEqualTo("none");
                assertThat(sync.lastRound("b")).isEmpty();
            }
        }
    }

    @Test
    void theUserSpaceBaselineSyncsOverPlainUdpSockets() {
        try (TestNetwork net = TestNetwork.create()) {
            SyncFailureTest.Pair p = SyncFailureTest.Pair.of(net, "10.85.2");
            List<ProbeSample> all = new ArrayList<>();
            ClockModel m;
            try (ClockSync sync = ClockSync.start(userSpace().withProbes(500).withInterval(Duration.ofHours(1)), p.a(), p.b())) {
                assertThat(net.attachedBpf()).isEmpty();
                for (int r = 0; r < 4; r++) {
                    if (r > 0) {
                        sync.syncNow();
                    }
                    all.addAll(sync.lastRound("b").orElseThrow().samples());
                }
                m = sync.model("b");
                assertThat(sync.responderStats().get("b").answered()).isGreaterThanOrEqualTo(2000);
            }
            ErrorStats e = ErrorStats.of(all);
            System.out.println("user space: " + e + "; " + m);
            // every probe is answered (above); on a loaded 2-vCPU machine some replies come after the
            // probe's timeout and are not samples (1821 of 2000 seen in a CI run beside two benchmarks)
            assertThat(all).hasSizeGreaterThan(1500);
            assertThat(m.method()).isEqualTo("user-space udp");
            // no accuracy claim for the baseline beyond its own bound (docs/benchmarks.md has the numbers)
            assertThat(Math.abs(m.offsetNanos())).isLessThanOrEqualTo(m.errorBoundNanos());
            assertThat(e.medianRttNanos()).isGreaterThan(1000);
        }
    }

    @Test
    void oneReferenceSyncsSeveralHostsThroughABridge() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a"), b = net.namespace("b"), c = net.namespace("c");
            net.namespace("m");
            net.bridge("m", "br0", null);
            net.connect("a", "10.85.3.1/24", "m", "br0");
            net.connect("b", "10.85.3.2/24", "m", "br0");
            net.connect("c", "10.85.3.3/24", "m", "br0");
            SyncHost ha = SyncHost.of("a", a, "va-m", "10.85.3.1");
            SyncHost hb = SyncHost.of("b", b, "vb-m", "10.85.3.2");
            SyncHost hc = SyncHost.of("c", c, "vc-m", "10.85.3.3");
            try (ClockSync sync = ClockSync.start(xdp().withProbes(200).withInterval(Duration.ofHours(1)), ha, hb, hc)) {
                for (String h : List.of("b", "c")) {
                    ClockModel m = sync.model(h);
                    assertThat(sync.lastRound(h).orElseThrow().answered()).isEqualTo(200);
                    assertThat(Math.abs(m.offsetNanos())).isLessThanOrEqualTo(m.errorBoundNanos());
                    assertThat(m.toReference(1_000_000_000_000L)).isCloseTo(1_000_000_000_000L, within(m.errorBoundNanos()));
                }
                assertThat(sync.responderStats()).containsOnlyKeys("b", "c");
            }
            assertThat(net.attachedBpf()).isEmpty();
        }
    }
}
