package io.latscope.sync;

import io.latscope.bpf.BpfLink;
import io.latscope.bpf.BpfObject;
import io.latscope.bpf.MapCodec;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.TcDirection;
import io.latscope.bpf.XdpMode;
import io.latscope.testbed.KernelTest;
import io.latscope.error.ConfigurationException;
import io.latscope.error.SyncTimeoutException;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What goes wrong in real networks: silence, typos, strangers' keys, lost packets, no native XDP. */
@KernelTest
class SyncFailureTest {
    private static final SyncStrategy QUICK = Sync.xdp().withTimeout(Duration.ofMillis(400)).withProbes(50)
            .withInterval(Duration.ofHours(1));

    @Test
    void aHostWithoutResponderTimesOutNamingHostAndInterface() {
        try (TestNetwork net = TestNetwork.create()) {
            Pair p = Pair.of(net, "10.84.0");
            long start = System.nanoTime();
            assertThatThrownBy(() -> ClockSync.startWithRemoteResponders(QUICK, SessionKey.random(), p.a, List.of(p.b)))
                    .isInstanceOfSatisfying(SyncTimeoutException.class, e -> {
                        assertThat(e.host()).isEqualTo("b");
                        assertThat(e.interfaceName()).isEqualTo("vb-a");
                        assertThat(e.getMessage()).contains("host b (interface vb-a, 10.84.0.2").contains("from host a")
                                .contains("PT0.4S");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    @Test
    void anInterfaceThatDoesNotExistIsAConfigurationErrorNamingIt() {
        try (TestNetwork net = TestNetwork.create()) {
            Pair p = Pair.of(net, "10.84.1");
            SyncHost typo = SyncHost.of("b", p.b.netns(), "vb-z", "10.84.1.2");
            assertThatThrownBy(() -> ClockSync.start(QUICK, p.a, typo))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("host b").hasMessageContaining("'vb-z' does not exist");
            SyncHost badRef = SyncHost.of("a", p.a.netns(), "eth7", "10.84.1.1");
            assertThatThrownBy(() -> ClockSync.start(QUICK, badRef, p.b))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("host a").hasMessageContaining("'eth7' does not exist");
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    @Test
    void probesWithAWrongKeyAreIgnoredAndCounted() {
        try (TestNetwork net = TestNetwork.create()) {
            Pair p = Pair.of(net, "10.84.2");
            SessionKey responderKey = SessionKey.random();
            // a's interface, the veth peer, gets sync_xdp of a's initiator: name a among the session's hosts
            try (XdpResponder r = XdpResponder.start(p.b, QUICK.port(), responderKey, XdpMode.AUTO, XdpStamps.TWO_STEP,
                    List.of(p.a, p.b))) {
                assertThatThrownBy(() -> ClockSync.startWithRemoteResponders(QUICK, SessionKey.random(), p.a, List.of(p.b)))
                        .isInstanceOf(SyncTimeoutException.class).hasMessageContaining("with the same key");
                ResponderStats s = r.stats();
                assertThat(s.answered()).isZero();
                assertThat(s.wrongKey()).isGreaterThanOrEqualTo(3); // one first-contact probe every 50 ms
                assertThat(s.malformed()).isZero();
                // the right key is answered at once by the same responder
                try (ClockSync ok = ClockSync.startWithRemoteResponders(QUICK, responderKey, p.a, List.of(p.b))) {
                    assertThat(ok.lastRound("b").orElseThrow().answered()).isEqualTo(50);
                }
                assertThat(r.stats().answered()).isGreaterThanOrEqualTo(50);
            }
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    @Test
    void lostProbesAreCountedAndTheModelStillHoldsThroughALossyBridge() {
        try (TestNetwork net = TestNetwork.create();
             BpfObject lossy = BpfObject.openResource(SyncFailureTest.class, "/io/latscope/testbed/lossy.bpf.o", "lossy")) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            NetNs m = net.namespace("m");
            net.bridge("m", "br0", null);
            net.connect("a", "10.84.3.1/24", "m", "br0");
            net.connect("b", "10.84.3.2/24", "m", "br0");
            SyncHost ha = SyncHost.of("a", a, TestNetwork.vethName("a", "m"), "10.84.3.1");
            SyncHost hb = SyncHost.of("b", b, TestNetwork.vethName("b", "m"), "10.84.3.2");
            SyncStrategy strategy = QUICK.withProbes(200).withTimeout(Duration.ofSeconds(2));
            // 20 % loss on the bridge's ports towards both hosts: probes and replies are lost
            lossy.setConstant("udp_port", strategy.port());
            lossy.setConstant("loss_percent", 20);
            lossy.load();
            int sent = 0, answered = 0;
            try (BpfLink toA = lossy.program("test_lossy").attachTc(m, TestNetwork.vethName("m", "a"), TcDirection.EGRESS);
                 BpfLink toB = lossy.program("test_lossy").attachTc(m, TestNetwork.vethName("m", "b"), TcDirection.EGRESS);
                 ClockSync sync = ClockSync.start(strategy, ha, hb)) {
                // veth delivers redirected frames only to peers with XDP: the bridge ports got one
                assertThat(net.attachedBpf()).anyMatch(s -> s.startsWith("XDP on vm-a"))
                        .anyMatch(s -> s.startsWith("XDP on vm-b"));
                for (int r = 0; r < 5; r++) {
                    if (r > 0) {
                        sync.syncNow();
                    }
                    ProbeRound round = sync.lastRound("b").orElseThrow();
                    sent += round.sent();
                    answered += round.answered();
                    assertThat(round.lost()).isEqualTo(round.sent() - round.answered());
                }
                ClockModel model = sync.model("b");
                System.out.printf("lossy bridge: %d of %d answered; %s%n", answered, sent, model);
                // 1 − 0.8² = 36 % expected loss
                assertThat((double) answered / sent).isBetween(0.5, 0.78);
                assertThat(Math.abs(model.offsetNanos())).isLessThanOrEqualTo(model.errorBoundNanos());
                // per round the lowest 10 % of round trips among the probes whose stamps did not come late,
                // then outliers out: more than one a round over the window (4-5 rounds). Through this
                // bridge few stamps are not late: 8-14 of ~500 on the VM of 2026-12-04 (the one of
                // 2026-12-03 kept 10 or more)
                assertThat(model.probesUsed()).as(model.toString()).isGreaterThanOrEqualTo(5);
            }
            var counts = lossy.map("lossy_counts").typed(MapCodec.INT, MapCodec.LONG);
            assertThat(counts.sum(1)).isGreaterThan(counts.sum(0) / 10);
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    @Test
    void withoutNativeXdpTheResponderFallsBackToGenericAndStillAnswers() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs b = net.namespace("b");
            SyncHost lo = SyncHost.of("b", b, "lo", "127.0.0.1");
            SessionKey key = SessionKey.random();
            try (XdpResponder r = XdpResponder.start(lo, 19800, key, XdpMode.AUTO)) {
                assertThat(r.mode()).isEqualTo(XdpMode.GENERIC);
                ProbeCodec.Probe reply = b.run(() -> {
                    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                        s.setSoTimeout(2000);
                        byte[] buf = new byte[ProbeCodec.PROBE_SIZE];
                        ProbeCodec.writeRequest(ByteBuffer.wrap(buf), 0, key, 9);
                        s.send(new DatagramPacket(buf, buf.length, new InetSocketAddress("127.0.0.1", 19800)));
                        DatagramPacket in = new DatagramPacket(new byte[256], 256);
                        s.receive(in);
                        assertThat(ProbeCodec.macOk(ByteBuffer.wrap(in.getData()), 0, key)).isTrue();
                        return ProbeCodec.read(ByteBuffer.wrap(in.getData()), 0, in.getLength());
                    }
                });
                assertThat(reply.type()).isEqualTo(ProbeCodec.REPLY);
                assertThat(reply.seq()).isEqualTo(9);
                assertThat(reply.t3()).isGreaterThanOrEqualTo(reply.t2()).isPositive();
                assertThat(r.stats().answered()).isEqualTo(1);
            }
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    @Test
    void closingTwiceIsHarmlessAndClosedSyncsRefuseWork() {
        try (TestNetwork net = TestNetwork.create()) {
            Pair p = Pair.of(net, "10.84.4");
            ClockSync sync = ClockSync.start(QUICK, p.a, p.b);
            sync.close();
            sync.close();
            assertThatThrownBy(sync::syncNow).isInstanceOf(IllegalStateException.class);
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    /** Namespaces a and b joined by a veth: a = prefix.1, b = prefix.2. */
    record Pair(SyncHost a, SyncHost b) {
        static Pair of(TestNetwork net, String prefix) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", prefix + ".1/24", "b", prefix + ".2/24");
            return new Pair(SyncHost.of("a", a, TestNetwork.vethName("a", "b"), prefix + ".1"),
                    SyncHost.of("b", b, TestNetwork.vethName("b", "a"), prefix + ".2"));
        }
    }
}
