package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.MarkerPath;
import io.latscope.agent.layout.ls_event;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
    final List<MarkerPath.HopSample> endToEnds = new ArrayList<>();
    final Arena arena = Arena.ofAuto();
    /** The ring buffer's drop count the drainer would read after each event's batch. */
    long drops;

    MarkerJoiner joiner(int strideShift, Set<ProbePoint> expected) {
        return joiner(strideShift, expected, Long.MIN_VALUE / 2);
    }

    /** A joiner whose probes were all attached at {@code armNanos}. */
    MarkerJoiner joiner(int strideShift, Set<ProbePoint> expected, long armNanos) {
        return new MarkerJoiner(strideShift, 1_000_000_000L, expected, ns -> "ns" + ns,
                (flow, hops, complete, retrans, path) -> {
                    done.add(path.get());
                    if (hops.endToEnd() != null) {
                        endToEnds.add(hops.endToEndSample());
                    }
                }, armNanos);
    }

    /** One segment [seq, seq+len) crossing every point but {@code skipped}, 100 ns apart from {@code t0}. */
    void pathWithout(MarkerJoiner j, long t0, int seq, ProbePoint skipped) {
        long t = t0;
        for (ProbePoint p : ProbePoint.values()) {
            if (p != skipped) {
                event(j, p, p.isTx() ? NS_A : NS_B, t, seq, 100, 0);
            }
            t += 100;
        }
    }

    /** Feeds one stamp record, as probes.bpf.c writes it, as a batch of its own. */
    void event(MarkerJoiner j, ProbePoint p, int ns, long ts, int seq, int len, int flags) {
        feed(j, p, ns, ts, seq, len, flags);
        j.endBatch(drops, ts); // each event a batch of its own, as a slow trickle drains
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
        assertThat(j.counters(0, java.util.Map.of()).markersMatched()).isEqualTo(1);
    }

    /**
     * The joiner reuses a reported marker's object for the next one: nothing of the old
     * marker (its stamps, points, retransmission flag, out-of-order stamps) may show in it,
     * and markers in flight together (one held by a drop-check batch) keep their own.
     */
    @Test
    void reusedMarkersStartClean() {
        MarkerJoiner j = joiner(10, ALL);
        // marker 1024: seen twice at rx.tcp (a retransmission), its stamps out of order
        event(j, TX_SOCK, NS_A, 0, 1000, 100, 0);
        event(j, TX_IP, NS_A, 200, 1000, 100, 0);
        event(j, TX_TCP, NS_A, 100, 1000, 100, 0);
        for (ProbePoint p : List.of(TX_DEV, TX_XMIT, RX_DEV, RX_IP, RX_TCP, RX_TCP, RX_SOCK, RX_APP)) {
            event(j, p, p.isTx() ? NS_A : NS_B, 300 + 100 * p.ordinal(), 1000, 100, 0);
        }
        // then 200 clean markers, each on an object a reported one had
        for (int i = 1; i <= 200; i++) {
            path(j, 10_000L * i, 1000 + 1024 * i, 100);
        }
        assertThat(done).hasSize(201);
        assertThat(done.getFirst().record().retransmitted()).isTrue();
        assertThat(done.getFirst().hops()).extracting(h -> h.hop().unscoped()).startsWith(Hop.TX_SOCKET, Hop.TX_TCP, Hop.TX_IP);
        assertThat(done.subList(1, 201)).allSatisfy(m -> {
            assertThat(m.complete()).isTrue();
            assertThat(m.record().retransmitted()).isFalse();
            assertThat(m.record().stamps()).hasSize(ProbePoint.values().length);
            assertThat(m.hops()).hasSize(9).allSatisfy(h -> assertThat(h.nanos()).isEqualTo(100));
            assertThat(m.endToEndNanos()).isEqualTo(900);
        });
        assertThat(done).extracting(m -> m.record().sequence()).doesNotHaveDuplicates();

        // two markers in flight at once, both finished in one batch: each keeps its own stamps
        MarkerJoiner k = joiner(10, EnumSet.of(TX_SOCK, RX_APP));
        done.clear();
        feed(k, TX_SOCK, NS_A, 100, 0, 2048, 0);
        feed(k, RX_APP, NS_B, 400, 0, 1024, 0);    // marker 0 finishes, held for the batch
        feed(k, RX_APP, NS_B, 700, 1024, 1024, 0); // marker 1024 too
        k.endBatch(drops, 700);
        path(k, 10_000, 4096, 1); // reuses one of them
        assertThat(done).extracting(MarkerPath::endToEndNanos).containsExactly(300L, 600L, 900L);
    }

    /** A sink that throws leaves the markers it did not take held, none of them reused meanwhile. */
    @Test
    void aSinkThatThrowsDoesNotMixMarkersUp() {
        boolean[] fail = {true};
        MarkerJoiner j = new MarkerJoiner(10, 1_000_000_000L, EnumSet.of(TX_SOCK, RX_APP), ns -> "ns" + ns,
                (flow, hops, complete, retrans, path) -> {
                    if (fail[0] && path.get().record().sequence() == 1024) {
                        fail[0] = false;
                        throw new IllegalStateException("listener failed");
                    }
                    done.add(path.get());
                });
        feed(j, TX_SOCK, NS_A, 100, 0, 2048, 0);
        feed(j, RX_APP, NS_B, 400, 0, 1024, 0);    // marker 0: e2e 300
        feed(j, RX_APP, NS_B, 700, 1024, 1024, 0); // marker 1024: e2e 600, its report throws
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> j.endBatch(drops, 700))
                .isInstanceOf(IllegalStateException.class);
        feed(j, TX_SOCK, NS_A, 10_000, 4096, 1, 0);
        feed(j, RX_APP, NS_B, 10_900, 4096, 1, 0);  // marker 4096: e2e 900, on a reused object
        j.endBatch(drops, 10_900);
        assertThat(done).extracting(m -> m.record().sequence()).containsExactly(0L, 1024L, 4096L);
        assertThat(done).extracting(MarkerPath::endToEndNanos).containsExactly(300L, 600L, 900L);
        // the marker reported twice is counted once, and none is left in flight
        assertThat(j.counters(0, java.util.Map.of()).markersMatched()).isEqualTo(3);
        assertThat(j.counters(0, java.util.Map.of()).markersPending()).isZero();
    }

    /** One stamp record, without ending the batch. */
    void feed(MarkerJoiner j, ProbePoint p, int ns, long ts, int seq, int len, int flags) {
        MemorySegment e = arena.allocate(ls_event.layout());
        ls_event.type(e, (byte) ProbeRecords.STAMP);
        ls_event.ts_ns(e, ts);
        ls_event.saddr(e).copyFrom(MemorySegment.ofArray(new byte[] {10, 0, 0, 1}));
        ls_event.daddr(e).copyFrom(MemorySegment.ofArray(new byte[] {10, 0, 0, 2}));
        ls_event.sport(e, (short) 40000);
        ls_event.dport(e, (short) 5001);
        ls_event.seq(e, seq);
        ls_event.len(e, len);
        ls_event.netns(e, ns);
        ls_event.point(e, (byte) p.ordinal());
        ls_event.flags(e, (byte) flags);
        j.onEvent(e, 0);
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
        assertThat(j.counters(0, java.util.Map.of()).markersPerPoint()).containsEntry("tx.sock", 4L).containsEntry("rx.app", 4L);
        assertThat(j.counters(0, java.util.Map.of()).markersRetransmitted()).isZero();
    }

    @Test
    void retransmissionsAreFlaggedAndSeenTwiceIsARetransmissionToo() {
        MarkerJoiner j = joiner(10, ALL);
        event(j, TX_SOCK, NS_A, 0, 1000, 100, 0);
        event(j, TX_TCP, NS_A, 10, 1000, 100, 0);
        event(j, TX_TCP, NS_A, 5000, 1000, 100, ProbeRecords.F_RETRANS);
        event(j, RX_APP, NS_B, 9000, 1000, 100, 0);
        assertThat(done).singleElement().satisfies(m -> assertThat(m.record().retransmitted()).isTrue());
        assertThat(j.counters(0, java.util.Map.of()).markersRetransmitted()).isEqualTo(1);

        done.clear();
        event(j, TX_SOCK, NS_A, 20_000, 2000, 100, 0);
        event(j, RX_DEV, NS_B, 20_100, 2000, 100, 0);
        event(j, RX_DEV, NS_B, 20_200, 2000, 100, 0); // duplicate delivery
        event(j, RX_APP, NS_B, 20_300, 2000, 100, 0);
        assertThat(done).singleElement().satisfies(m -> assertThat(m.record().retransmitted()).isTrue());
    }

    /**
     * A drainer that fell behind (a stalled core): the clock is long past the timeout, the
     * stamps handled so far are not, and the marker's later stamps still wait in the ring. The
     * session expires up to the stamps handled while records remain; the marker completes.
     */
    @Test
    void aBacklogInTheRingDoesNotExpireMarkersWhoseRestIsStillInIt() {
        MarkerJoiner j = joiner(10, ALL);
        long t = 5_000_000_000L;
        event(j, TX_SOCK, NS_A, t, 1000, 100, 0);
        event(j, TX_TCP, NS_A, t + 100, 1000, 100, 0);
        assertThat(j.latestStampNanos()).isEqualTo(t + 100);
        long now = t + 10_000_000_000L; // the drainer took its next batch 10 s later
        j.expire(Math.min(now, j.latestStampNanos()));
        j.endBatch(0, now);
        assertThat(done).isEmpty();
        ProbePoint[] rest = {TX_IP, TX_DEV, TX_XMIT, RX_DEV, RX_IP, RX_TCP, RX_SOCK, RX_APP};
        for (int i = 0; i < rest.length; i++) {
            event(j, rest[i], rest[i].ordinal() < RX_DEV.ordinal() ? NS_A : NS_B, t + 200 + 100L * i, 1000, 100, 0);
        }
        j.endBatch(0, now);
        assertThat(done).singleElement().satisfies(m -> assertThat(m.complete()).isTrue());
        assertThat(j.counters(0, java.util.Map.of()).markersIncomplete()).isZero();
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
        j.endBatch(0, 500);
        assertThat(done).isEmpty();
        j.expire(2_000_000_000L);
        j.endBatch(0, 2_000_000_000L);
        assertThat(done).singleElement().satisfies(m -> {
            assertThat(m.complete()).isFalse();
            assertThat(m.hasEndToEnd()).isFalse();
            assertThat(m.hops()).extracting(h -> h.hop().unscoped()).containsExactly(Hop.TX_SOCKET, Hop.TX_DEV);
        });
        var c = j.counters(0, java.util.Map.of());
        assertThat(c.markersIncomplete()).isEqualTo(1);
        assertThat(c.markersMatched()).isZero();
        assertThat(j.missingPerPoint()).containsKeys(TX_IP, RX_DEV, RX_APP);
        assertThat(c.markersExpired()).as("never read by the application").isEqualTo(1);
    }

    @Test
    void aMarkerReadButMissingPointsIsCountedUnderThePointsItLacks() {
        MarkerJoiner j = joiner(10, ALL);
        long t = 0;
        for (ProbePoint p : ProbePoint.values()) {
            if (p != TX_XMIT && p != RX_DEV && p != RX_TCP) {
                event(j, p, p.isTx() ? NS_A : NS_B, t += 100, 1000, 100, 0);
            }
        }
        var c = j.counters(0, java.util.Map.of());
        assertThat(c.markersIncomplete()).isEqualTo(1);
        assertThat(c.missingPoints()).containsExactly(java.util.Map.entry("tx.xmit+rx.dev+rx.tcp", 1L));
        assertThat(c.markersExpired()).isZero();
        assertThat(endToEnds).as("END_TO_END only from complete markers").isEmpty();
    }

    @Test
    void markersInFlightWhileTheProbesWereAttachedAreLeftOutUncounted() {
        long arm = 5_000_000_000L, timeout = 1_000_000_000L;
        MarkerJoiner j = joiner(10, ALL, arm);
        pathWithout(j, arm - 1_000, 1000, TX_SOCK);            // first seen before the last probe was attached
        pathWithout(j, arm + 1_000, 2000, TX_SOCK);            // lacks its first point, seen right after: sent before
        path(j, arm + 2_000, 3000, 100);                       // after: matched
        pathWithout(j, arm + 3_000, 5100, RX_TCP);             // lacks a middle point after the attach: a real gap
        pathWithout(j, arm + 2 * timeout, 4000, TX_SOCK);      // lacks its first point long after: a real gap
        var c = j.counters(0, java.util.Map.of());
        assertThat(j.beforeArm()).isEqualTo(2);
        assertThat(c.markersMatched()).isEqualTo(1);
        assertThat(c.markersIncomplete()).isEqualTo(2);
        assertThat(c.missingPoints()).containsOnly(java.util.Map.entry("tx.sock", 1L), java.util.Map.entry("rx.tcp", 1L));
        assertThat(c.markersSeen()).as("the two in flight at the attach are not seen markers").isEqualTo(3);
    }

    @Test
    void markersInFlightWhileTheRingDroppedEventsAreLeftOutNotMatched() {
        MarkerJoiner j = joiner(10, ALL);
        // marker 1024 is on its way when the kernel drops events (at rx.dev, say)
        long t = 0;
        for (ProbePoint p : List.of(TX_SOCK, TX_TCP, TX_IP, TX_DEV, TX_XMIT)) {
            event(j, p, NS_A, t += 100, 1000, 100, 0);
        }
        drops = 3;
        for (ProbePoint p : List.of(RX_DEV, RX_IP, RX_TCP, RX_SOCK, RX_APP)) {
            event(j, p, NS_B, t += 100, 1000, 100, 0);
        }
        assertThat(done).singleElement().satisfies(m -> assertThat(m.complete()).as("seen everywhere, but tainted").isFalse());
        var c = j.counters(3, java.util.Map.of("rx.dev", 3L));
        assertThat(c.markersMatched()).isZero();
        assertThat(c.markersOverflow()).isEqualTo(1);
        assertThat(c.dropsPerPoint()).containsEntry("rx.dev", 3L);
        // a marker that starts after the drops and is seen everywhere is matched again
        path(j, 10_000_000_000L, 2000, 100);
        assertThat(j.counters(3, java.util.Map.of()).markersMatched()).isEqualTo(1);
    }

    @Test
    void endToEndIsScopedByDirection() {
        MarkerJoiner j = joiner(10, ALL);
        path(j, 0, 1000, 100);
        long t = 1_000_000;
        for (ProbePoint p : ProbePoint.values()) { // the other way: written in B, read in A
            event(j, p, p.isTx() ? NS_B : NS_A, t += 100, 5100, 100, 0); // holds byte 5120
        }
        assertThat(endToEnds).extracting(e -> e.hop().toString())
                .containsExactly("END_TO_END@ns1001->ns1002", "END_TO_END@ns1002->ns1001");
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
        j.endBatch(0, 1_000_000);
        assertThat(done).hasSize(300);
        for (int n = 0; n < 300; n++) {
            MarkerPath m = done.get(n);
            assertThat(m.hops()).extracting(h -> h.hop().toString()).containsExactly("VETH@ns" + (5000 + n * 17));
            assertThat(m.hops().getFirst().nanos()).isEqualTo(10 + n);
        }
    }

    @Test
    void aCopyRetransmittedAfterTheReadIsNotAMarkerOfItsOwn() {
        MarkerJoiner j = joiner(10, ALL);
        path(j, 0, 1000, 100); // read at 900 ns
        // the sender's retransmission of the same segment, seen at every point after the read
        long t = 5_000;
        for (ProbePoint p : List.of(TX_TCP, TX_IP, TX_DEV, TX_XMIT, RX_DEV, RX_IP, RX_TCP)) {
            event(j, p, p.isTx() ? NS_A : NS_B, t += 100, 1000, 100, p == TX_TCP || p == RX_TCP ? 2 : 0);
        }
        j.expire(2_000_000_000L);
        j.endBatch(0, 2_000_000_000L);
        assertThat(done).singleElement().satisfies(m -> assertThat(m.complete()).isTrue());
        assertThat(j.counters(0, java.util.Map.of()).markersExpired()).isZero();
        assertThat(j.lateCopies()).isEqualTo(7);
    }

    @Test
    void aCopySeenMoreThanATimeoutAfterTheReadIsAMarkerOfItsOwn() {
        MarkerJoiner j = joiner(10, ALL);
        path(j, 0, 1000, 100); // read at 900 ns
        j.expire(1_500_000_000L); // the read is forgotten a timeout (1 s) after it
        j.endBatch(0, 1_500_000_000L);
        event(j, TX_TCP, NS_A, 1_600_000_000L, 1000, 100, 2);
        assertThat(j.lateCopies()).isZero();
        assertThat(j.pendingMarkers()).isEqualTo(1);
        j.expire(3_000_000_000L);
        j.endBatch(0, 3_000_000_000L);
        assertThat(done).hasSize(2);
        assertThat(done.get(1).complete()).isFalse();
        assertThat(j.counters(0, java.util.Map.of()).markersExpired()).isEqualTo(1);
    }

    @Test
    void aFlowThatWrapsItsSequenceNumbersInsideTheTimeoutKeepsEveryMarker() {
        // 64 MiB stride: 64 markers per 4 GiB; a flow sending them 5 ms apart wraps its 32-bit
        // sequence numbers in 320 ms, well inside the 1 s marker timeout (17 Gbit/s and a 2 s
        // timeout do the same with the default stride)
        MarkerJoiner j = joiner(26, ALL);
        for (int k = 0; k <= 128; k++) {
            path(j, 5_000_000L * k, k << 26, 100);
        }
        j.expire(5_000_000L * 130);
        j.endBatch(0, 5_000_000L * 130);
        assertThat(done).hasSize(129).allSatisfy(m -> assertThat(m.complete()).isTrue());
        assertThat(done.get(64).record().sequence()).isEqualTo(0); // the same sequence number as the first, 4 GiB later
        assertThat(j.lateCopies()).isZero();
        assertThat(j.counters(0, java.util.Map.of()).markersExpired()).isZero();
    }

    @Test
    void aRetransmittedCopyAfterTheSequenceNumbersWrappedIsStillACopy() {
        MarkerJoiner j = joiner(26, ALL);
        for (int k = 0; k <= 70; k++) { // past the wrap: marker 64 has the sequence number 0 again
            path(j, 5_000_000L * k, k << 26, 100);
        }
        // marker 66 sent again after it was read: a copy, not a marker, though the 32-bit
        // sequence number it has also belonged to marker 2
        long t = 5_000_000L * 71;
        for (ProbePoint p : List.of(TX_TCP, TX_IP, TX_DEV, TX_XMIT, RX_DEV, RX_IP, RX_TCP)) {
            event(j, p, p.isTx() ? NS_A : NS_B, t += 100, 66 << 26, 100, p == TX_TCP || p == RX_TCP ? 2 : 0);
        }
        j.expire(t + 2_000_000_000L);
        j.endBatch(0, t + 2_000_000_000L);
        assertThat(done).hasSize(71).allSatisfy(m -> assertThat(m.complete()).isTrue());
        assertThat(j.lateCopies()).isEqualTo(7);
    }

    @Test
    void markersAfterAGapOfTwoAndAHalfGibAreAheadNotBehind() {
        // the events of 2.5 GiB of a flow never came (ring drops, a stalled drainer): the next
        // markers are new bytes ahead, and the one whose sequence number repeats marker 10's
        // (4 GiB after it, within the timeout) is a marker of its own, not a copy of it
        MarkerJoiner j = joiner(26, ALL);
        long t = 0;
        for (int k = 0; k <= 10; k++) {
            path(j, t += 5_000_000L, k << 26, 100);
        }
        for (int k = 50; k <= 80; k++) {
            path(j, t += 5_000_000L, k << 26, 100);
        }
        j.expire(t + 2_000_000_000L);
        j.endBatch(0, t + 2_000_000_000L);
        assertThat(done).hasSize(11 + 31).allSatisfy(m -> assertThat(m.complete()).isTrue());
        assertThat(j.lateCopies()).isZero();
    }
}
