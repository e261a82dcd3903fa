package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.MarkerPath;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static io.latscope.agent.ProbePoint.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The joiner on synthetic probe events with exact expectations. */
class MarkerJoinerTest {
    static final Set<ProbePoint> ALL = EnumSet.allOf(ProbePoint.class);
    static final int NS_A = 1001, NS_B = 1002;

    final List<MarkerPath> done = new ArrayList<>();
    final Arena arena = Arena.ofAuto();

    MarkerJoiner joiner(int strideShift, Set<ProbePoint> expected) {
        return new MarkerJoiner(strideShift, 1_000_000_000L, expected, ns -> "ns" + ns,
                (flow, hops, e2e, retrans, path) -> done.add(path.get()));
    }

    /** Feeds one 64-byte ls_event, as probes.bpf.c writes it. */
    void event(MarkerJoiner j, ProbePoint p, int ns, long ts, int seq, int len, int flags) {
        MemorySegment e = arena.allocate(64);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, ts);
        e.set(ValueLayout.JAVA_BYTE, 8, (byte) 10);
        e.set(ValueLayout.JAVA_BYTE, 11, (byte) 1);
        e.set(ValueLayout.JAVA_BYTE, 24, (byte) 10);
        e.set(ValueLayout.JAVA_BYTE, 27, (byte) 2);
        e.set(ValueLayout.JAVA_SHORT_UNALIGNED, 40, (short) 40000);
        e.set(ValueLayout.JAVA_SHORT_UNALIGNED, 42, (short) 5001);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 44, seq);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 48, len);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 52, ns);
        e.set(ValueLayout.JAVA_BYTE, 60, (byte) p.ordinal());
        e.set(ValueLayout.JAVA_BYTE, 61, (byte) flags);
        j.onEvent(e, 0);
    }

    /** One segment [seq, seq+len) crossing every point, 100 ns apart. */
    void path(MarkerJoiner j, long t0, int seq, int len) {
        long t = t0;
        for (ProbePoint p : ProbePoint.values()) {
            event(j, p, p.isTx() ? NS_A : NS_B, t, seq, len, 0);
            t += 100;
        }
    }

    @Test
    void aSegmentWithOneMarkerYieldsEveryHopAndTheyAddUp() throws Exception {
        MarkerJoiner j = joiner(10, ALL);
        path(j, 1_000, 1000, 100); // holds byte 1024
        assertThat(done).hasSize(1);
        MarkerPath m = done.getFirst();
        assertThat(m.complete()).isTrue();
        assertThat(m.record().sequence()).isEqualTo(1024);
        assertThat(m.record().flow()).isEqualTo(new FlowKey(InetAddress.getByName("10.0.0.1"), 40000,
                InetAddress.getByName("10.0.0.2"), 5001));
        assertThat(m.hops()).extracting(h -> h.hop().unscoped()).containsExactly(Hop.TX_SOCKET, Hop.TX_TCP, Hop.TX_IP,
                Hop.TX_DEV, Hop.VETH, Hop.RX_DEV, Hop.RX_IP, Hop.RX_TCP, Hop.RX_SOCKET);
        assertThat(m.hops()).allSatisfy(h -> assertThat(h.nanos()).isEqualTo(100));
        assertThat(m.endToEndNanos()).isEqualTo(900).isEqualTo(m.sumOfHopsNanos());
        assertThat(m.hops().getFirst().hop().scope()).isEqualTo("ns" + NS_A);
        assertThat(m.hops().getLast().hop().scope()).isEqualTo("ns" + NS_B);
        assertThat(j.counters(0).markersMatched()).isEqualTo(1);
    }

    @Test
    void segmentsWithoutAMarkerAreIgnoredAndBigOnesCarrySeveral() {
        MarkerJoiner j = joiner(10, ALL);
        path(j, 0, 1025, 1000); // 1025..2024: no multiple of 1024
        assertThat(done).isEmpty();
        path(j, 10_000, 2048, 4096); // 2048, 3072, 4096, 5120
        assertThat(done).extracting(m -> m.record().sequence()).containsExactly(2048L, 3072L, 4096L, 5120L);
    }

    @Test
    void markersSurviveSequenceWrapAround() {
        MarkerJoiner j = joiner(10, ALL);
        int seq = -512; // 0xFFFFFE00: the range wraps through 0
        path(j, 0, seq, 1024);
        assertThat(done).hasSize(1);
        assertThat(done.getFirst().record().sequence()).isZero();
        assertThat(done.getFirst().complete()).isTrue();
    }

    @Test
    void aByteBelongsToTheLastCopyPassThatStartedAtOrBeforeIt() {
        MarkerJoiner j = joiner(10, EnumSet.of(TX_SOCK, RX_APP));
        event(j, TX_SOCK, NS_A, 100, 0, 4096, 0);   // pass 1 may copy 0..4095
        event(j, TX_SOCK, NS_A, 200, 1000, 3096, 0); // pass 2 starts at 1000: holds 1024..
        event(j, RX_APP, NS_B, 1000, 0, 4096, 0);
        assertThat(done).extracting(m -> m.record().sequence()).containsExactly(0L, 1024L, 2048L, 3072L);
        assertThat(done.get(0).endToEndNanos()).isEqualTo(900); // byte 0: pass 1
        assertThat(done.get(1).endToEndNanos()).isEqualTo(800); // byte 1024: pass 2
        // overlapping passes are one sighting of each marker, not two
        assertThat(j.counters(0).markersPerPoint()).containsEntry("tx.sock", 4L).containsEntry("rx.app", 4L);
        assertThat(j.counters(0).markersRetransmitted()).isZero();
    }

    @Test
    void retransmissionsAreFlaggedAndSeenTwiceIsARetransmissionToo() {
        MarkerJoiner j = joiner(10, ALL);
        event(j, TX_SOCK, NS_A, 0, 1000, 100, 0);
        event(j, TX_TCP, NS_A, 10, 1000, 100, 0);
        event(j, TX_TCP, NS_A, 5000, 1000, 100, 2 /* LS_F_RETRANS */);
        event(j, RX_APP, NS_B, 9000, 1000, 100, 0);
        assertThat(done).singleElement().satisfies(m -> assertThat(m.record().retransmitted()).isTrue());
        assertThat(j.counters(0).markersRetransmitted()).isEqualTo(1);

        done.clear();
        event(j, TX_SOCK, NS_A, 20_000, 2000, 100, 0);
        event(j, RX_DEV, NS_B, 20_100, 2000, 100, 0);
        event(j, RX_DEV, NS_B, 20_200, 2000, 100, 0); // duplicate delivery
        event(j, RX_APP, NS_B, 20_300, 2000, 100, 0);
        assertThat(done).singleElement().satisfies(m -> assertThat(m.record().retransmitted()).isTrue());
    }

    @Test
    void markersNeverReadExpireAsIncompleteAndGapsAreNotMisnamed() {
        MarkerJoiner j = joiner(10, ALL);
        event(j, TX_SOCK, NS_A, 0, 1000, 100, 0);
        event(j, TX_TCP, NS_A, 100, 1000, 100, 0);
        // TX_IP missing: TX_TCP -> TX_DEV would span two layers
        event(j, TX_DEV, NS_A, 300, 1000, 100, 0);
        event(j, TX_XMIT, NS_A, 400, 1000, 100, 0);
        j.expire(500);
        assertThat(done).isEmpty();
        j.expire(2_000_000_000L);
        assertThat(done).singleElement().satisfies(m -> {
            assertThat(m.complete()).isFalse();
            assertThat(m.hasEndToEnd()).isFalse();
            assertThat(m.hops()).extracting(h -> h.hop().unscoped()).containsExactly(Hop.TX_SOCKET, Hop.TX_DEV);
        });
        var c = j.counters(0);
        assertThat(c.markersIncomplete()).isEqualTo(1);
        assertThat(c.markersMatched()).isZero();
        assertThat(j.missingPerPoint()).containsKeys(TX_IP, RX_DEV, RX_APP);
    }

    @Test
    void aSequenceNumberSeenAgainAfterTheTimeoutIsANewMarker() {
        MarkerJoiner j = joiner(10, EnumSet.of(TX_SOCK, RX_APP));
        event(j, TX_SOCK, NS_A, 0, 1000, 100, 0);
        event(j, TX_SOCK, NS_A, 3_000_000_000L, 1000, 100, 0); // 4 GiB later, same seq
        event(j, RX_APP, NS_B, 3_000_001_000L, 1000, 100, 0);
        assertThat(done).hasSize(2);
        assertThat(done.get(0).complete()).isFalse();
        assertThat(done.get(1).endToEndNanos()).isEqualTo(1000);
    }

    @Test
    void aBridgedPathGetsForwardAndPerNamespaceHops() {
        MarkerJoiner j = joiner(10, ALL);
        int sw = 1003;
        long t = 0;
        for (ProbePoint p : List.of(TX_SOCK, TX_TCP, TX_IP, TX_DEV, TX_XMIT)) {
            event(j, p, NS_A, t += 100, 1000, 100, 0);
        }
        for (ProbePoint p : List.of(RX_DEV, TX_DEV, TX_XMIT)) {
            event(j, p, sw, t += 100, 1000, 100, 0);
        }
        for (ProbePoint p : List.of(RX_DEV, RX_IP, RX_TCP, RX_SOCK, RX_APP)) {
            event(j, p, NS_B, t += 100, 1000, 100, 0);
        }
        MarkerPath m = done.getFirst();
        assertThat(m.hops()).extracting(h -> h.hop().toString()).containsExactly("tx.SOCKET@ns1001", "tx.TCP@ns1001",
                "tx.IP@ns1001", "tx.DEV@ns1001", "VETH@ns1001", "FORWARD@ns1003", "tx.DEV@ns1003", "VETH@ns1003",
                "rx.DEV@ns1002", "rx.IP@ns1002", "rx.TCP@ns1002", "rx.SOCKET@ns1002");
        assertThat(m.sumOfHopsNanos()).isEqualTo(m.endToEndNanos()).isEqualTo(1200);
    }

    @Test
    void manyNamespacesKeepTheirOwnHopNames() {
        MarkerJoiner j = joiner(10, EnumSet.of(TX_XMIT, RX_DEV));
        for (int n = 0; n < 300; n++) {
            int ns = 5000 + n * 17;
            event(j, TX_XMIT, ns, 1000L * n, 1024 * n, 100, 0);
            event(j, RX_DEV, ns + 1, 1000L * n + 10 + n, 1024 * n, 100, 0);
        }
        j.finishAll();
        assertThat(done).hasSize(300);
        for (int n = 0; n < 300; n++) {
            MarkerPath m = done.get(n);
            assertThat(m.hops()).extracting(h -> h.hop().toString()).containsExactly("VETH@ns" + (5000 + n * 17));
            assertThat(m.hops().getFirst().nanos()).isEqualTo(10 + n);
        }
    }
}
