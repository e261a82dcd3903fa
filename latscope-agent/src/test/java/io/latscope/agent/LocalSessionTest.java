package io.latscope.agent;

import io.latscope.*;
import io.latscope.testbed.ApplicationAgreement;

import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static io.latscope.Hop.*;
import static org.assertj.core.api.Assertions.assertThat;

/** In-host decomposition against the real kernel, with two namespaces joined by a veth. */
@KernelTest
class LocalSessionTest {
    static final List<Hop> ALL = List.of(TX_SOCKET, TX_TCP, TX_IP, TX_DEV, VETH, RX_DEV, RX_IP, RX_TCP, RX_SOCKET, END_TO_END);

    @Test
    void endToEndAgreesWithTheApplicationsOwnOneWayLatencyAndHopsAddUp() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.0.1/24", "b", "10.74.0.2/24");
            List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
            TcpTraffic.FlowResult app;
            LatencyReport r;
            // one marker per 1 KiB message: marker and message latencies describe the same writes and reads
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5201).stride(1024)
                    .start(paths::add)) {
                app = NativeTraffic.messages(a, b, "10.74.0.2", 5201, 1024, 3000, Duration.ofMillis(1), Duration.ZERO);
                s.close();
                r = s.snapshot();
            }
            ApplicationAgreement.assertEveryMarkerAccounted(r, 3000);
            // the report says what it was measured with
            assertThat(r.provenance().strideBytes()).isEqualTo(1024);
            assertThat(r.provenance().scopes()).containsExactly(a.name(), b.name());
            assertThat(r.provenance().kernels()).containsEntry("local", io.latscope.error.KernelRelease.get());
            assertThat(r.toString()).contains("measured with stride=1024 layers=SOCKET,TCP,IP,DEV,VETH ports=5201");
            ApplicationAgreement.assertEndToEndMatches(paths, app);
            assertThat(r.counters().matchedRatio()).as(r.toString()).isGreaterThanOrEqualTo(0.999);
            assertThat(paths).hasSize(3000);
            for (MarkerPath m : paths) {
                if (m.complete()) {
                    assertThat(m.sumOfHopsNanos()).as("hops of marker %s", m.record()).isEqualTo(m.endToEndNanos());
                } else {
                    assertThat(m.hasEndToEnd()).as("END_TO_END of an incomplete marker %s", m.record()).isFalse();
                }
            }
            for (Hop h : ALL) {
                assertThat(r.hop(h).count()).as(h.toString()).isEqualTo(r.hop(END_TO_END).count());
            }
        }
    }

    @Test
    void bulkFlowShowsEveryHopWithPlausibleValues() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.1.1/24", "b", "10.74.1.2/24");
            TcpTraffic.FlowResult bulk;
            LatencyReport r;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5202).start()) {
                bulk = TcpTraffic.bulk(a, b, "10.74.1.2", 5202, 64 * 1024, Duration.ofSeconds(2));
                s.close();
                r = s.snapshot();
            }
            long markers = bulk.bytes() / LatScope.DEFAULT_STRIDE;
            for (Hop h : ALL) {
                HopStats hs = r.hop(h);
                assertThat(hs.count()).as(h + " in\n" + r).isGreaterThan(markers / 2);
                assertThat(hs.percentileNanos(50)).as(h + " p50 in\n" + r).isBetween(50L, 200_000_000L);
            }
            // in a bulk flow bytes queue in the sender's socket: that hop dominates
            assertThat(r.hop(TX_SOCKET).meanNanos()).isGreaterThan(r.hop(TX_DEV).meanNanos());
            assertThat(r.counters().ringBufferDrops()).isZero();
            assertThat(r.counters().matchedRatio()).as(r.toString()).isGreaterThan(0.99);
            assertThat(r.flowKeys()).containsExactly(new FlowKey(addr("10.74.1.1"), bulk.clientPort(), addr("10.74.1.2"), 5202));
            assertThat(r.probeCosts()).isNotEmpty().allSatisfy(c -> assertThat(c.meanNanos()).isPositive());
        }
    }

    @Test
    void requestResponseFlowShowsEveryHopInBothDirections() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.2.1/24", "b", "10.74.2.2/24");
            LatencyReport r;
            TcpTraffic.RoundTrips rt;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5203).stride(256).start()) {
                rt = TcpTraffic.requestResponse(a, b, "10.74.2.2", 5203, 256, 512, 2000);
                s.close();
                r = s.snapshot();
            }
            FlowKey req = new FlowKey(addr("10.74.2.1"), rt.requests().clientPort(), addr("10.74.2.2"), 5203);
            assertThat(r.flowKeys()).containsExactlyInAnyOrder(req, req.reversed());
            for (FlowKey f : List.of(req, req.reversed())) {
                List<Hop> hops = r.hops(f).stream().map(HopStats::hop).toList();
                assertThat(hops).as(f.toString()).containsAll(ALL);
            }
            for (Hop h : ALL) {
                assertThat(r.hop(h).count()).as(h.toString()).isGreaterThanOrEqualTo(2000 + 2000 * 2);
                assertThat(r.hop(h).percentileNanos(50)).as(h + " in\n" + r).isBetween(50L, 5_000_000L);
            }
        }
    }

    @Test
    void aSlowQdiscOnTheSendersVethShowsUpInTxDev() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.3.1/24", "b", "10.74.3.2/24");
            // 2 896-byte messages: the first segment passes on the bucket, the second waits ~5.8 ms
            // for tokens (2 Mbit/s refills 4 000 B between messages, so no backlog builds up). The
            // added delay must dwarf the run-to-run drift of the receiver's wake-up (+-100 us on a
            // paravirtualised VM), which lands in rx SOCKET and counts against the 10 % bound.
            LatencyReport base = measure(a, b, "10.74.3.2", 5204, 2896, Duration.ZERO);
            net.rootQdisc("a", TestNetwork.vethName("a", "b"), "tbf", "rate", "2mbit", "burst", "1600", "latency", "500ms");
            LatencyReport slow = measure(a, b, "10.74.3.2", 5204, 2896, Duration.ZERO);
            assertAddedDelayLandsIn(TX_DEV, base, slow);
        }
    }

    @Test
    void aReaderThatSleepsBeforeEachReadShowsUpInRxSocket() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.4.1/24", "b", "10.74.4.2/24");
            LatencyReport base = measure(a, b, "10.74.4.2", 5205, 2896, Duration.ZERO);
            LatencyReport slow = measure(a, b, "10.74.4.2", 5205, 2896, Duration.ofMillis(4));
            assertAddedDelayLandsIn(RX_SOCKET, base, slow);
        }
    }

    private static LatencyReport measure(NetNs a, NetNs b, String addr, int port, int size, Duration readDelay) {
        try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(port).stride(1024).start()) {
            NativeTraffic.messages(a, b, addr, port, size, 400, Duration.ofMillis(16), readDelay);
            s.close();
            return s.snapshot();
        }
    }

    /** Means add up exactly (hops of a marker sum to END_TO_END), so they apportion the added delay. */
    private static void assertAddedDelayLandsIn(Hop target, LatencyReport base, LatencyReport slow) {
        double added = slow.hop(END_TO_END).meanNanos() - base.hop(END_TO_END).meanNanos();
        String why = "added %.0f ns; base:%n%s%nslow:%n%s".formatted(added, base, slow);
        assertThat(added).as(why).isGreaterThan(300_000);
        for (Hop h : ALL) {
            if (h == END_TO_END) {
                continue;
            }
            double moved = slow.hop(h).meanNanos() - base.hop(h).meanNanos();
            if (h == target) {
                assertThat(moved / added).as(h + " share; " + why).isGreaterThanOrEqualTo(0.9);
            } else {
                assertThat(Math.abs(moved) / added).as(h + " share; " + why).isLessThan(0.1);
            }
        }
    }

    @Test
    void trafficInAnUnrelatedNamespaceIsNotCounted() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            NetNs c = net.namespace("c");
            NetNs d = net.namespace("d");
            net.veth("a", "10.74.5.1/24", "b", "10.74.5.2/24");
            net.veth("c", "10.74.5.1/24", "d", "10.74.5.2/24"); // same addresses and port, other namespaces
            LatencyReport r;
            TcpTraffic.FlowResult mine;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5206).stride(1024).start()) {
                Thread other = Thread.ofPlatform().start(() ->
                        NativeTraffic.messages(c, d, "10.74.5.2", 5206, 1024, 1500, Duration.ofMillis(1), Duration.ZERO));
                mine = NativeTraffic.messages(a, b, "10.74.5.2", 5206, 1024, 1000, Duration.ofMillis(1), Duration.ZERO);
                other.join();
                s.close();
                r = s.snapshot();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            ApplicationAgreement.assertEveryMarkerAccounted(r, 1000);
            assertThat(r.flowKeys()).containsExactly(new FlowKey(addr("10.74.5.1"), mine.clientPort(), addr("10.74.5.2"), 5206));
            assertThat(r.counters().markersPerPoint().get("tx.sock")).isEqualTo(1000);
        }
    }

    @Test
    void aFlowFilterKeepsOnlyTheFlowsItNames() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.7.1/24", "b", "10.74.7.2/24");
            LatencyReport r;
            TcpTraffic.FlowResult kept;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5209, 5210).stride(1024)
                    .flows(new FlowKey(addr("10.74.7.1"), 0, addr("10.74.7.2"), 5209)).start()) {
                Thread other = Thread.ofPlatform().start(() ->
                        NativeTraffic.messages(a, b, "10.74.7.2", 5210, 1024, 500, Duration.ofMillis(1), Duration.ZERO));
                kept = NativeTraffic.messages(a, b, "10.74.7.2", 5209, 1024, 500, Duration.ofMillis(1), Duration.ZERO);
                try {
                    other.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                s.close();
                r = s.snapshot();
            }
            assertThat(r.flowKeys()).containsExactly(new FlowKey(addr("10.74.7.1"), kept.clientPort(), addr("10.74.7.2"), 5209));
            // every marker of the kept flow is in END_TO_END, or left out and counted (a stamp the
            // sandbox kernel did not take: docs/design.md); never one of the other flow's
            long e2e = r.hop(END_TO_END).count();
            assertThat(e2e).as(r.toString()).isBetween(495L, 500L);
            // (a retransmitted marker is complete but not in the histograms without includeRetransmissions)
            assertThat(r.quality().markersIncomplete() + r.quality().retransmitted()).as(r.toString())
                    .isGreaterThanOrEqualTo(500 - e2e);
            // the counters describe the kept flow only, as the histograms do
            assertThat(r.quality().markersSeen()).as(r.toString()).isBetween(495L, 501L);
        }
    }

    @Test
    void ipv6TrafficIsDecomposedToo() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "fd00:74::1/64", "b", "fd00:74::2/64");
            LatencyReport r;
            TcpTraffic.FlowResult app;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5207).stride(1024).start()) {
                app = NativeTraffic.messages(a, b, "fd00:74::2", 5207, 1024, 1000, Duration.ofMillis(1), Duration.ZERO);
                s.close();
                r = s.snapshot();
            }
            ApplicationAgreement.assertEveryMarkerAccounted(r, 1000);
            assertThat(r.flowKeys()).containsExactly(new FlowKey(addr("fd00:74::1"), app.clientPort(), addr("fd00:74::2"), 5207));
        }
    }

    @Test
    void aPathThroughABridgeNamespaceYieldsHopsOfEachNamespace() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs sw = net.namespace("sw");
            NetNs b = net.namespace("b");
            net.bridge("sw", "br0", null);
            net.connect("a", "10.74.6.1/24", "sw", "br0");
            net.connect("b", "10.74.6.2/24", "sw", "br0");
            LatencyReport r;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), sw.spec(), b.spec()).ports(5208).stride(1024).start()) {
                NativeTraffic.messages(a, b, "10.74.6.2", 5208, 1024, 1000, Duration.ofMillis(1), Duration.ZERO);
                s.close();
                r = s.snapshot();
            }
            Map<Hop, Long> counts = new java.util.LinkedHashMap<>();
            r.hops().forEach(h -> counts.put(h.hop(), h.count()));
            String sa = a.name(), ssw = sw.name();
            assertThat(counts).as(r.toString()).containsKeys(TX_SOCKET, TX_TCP, TX_IP, TX_DEV.in(sa), VETH.in(sa), FORWARD,
                    TX_DEV.in(ssw), VETH.in(ssw), RX_IP, RX_TCP, RX_SOCKET, END_TO_END);
            long matched = r.hop(END_TO_END).count();
            ApplicationAgreement.assertEveryMarkerAccounted(r, 1000);
            assertThat(counts.values()).allSatisfy(n -> assertThat(n).isEqualTo(matched));
            // With br_netfilter loaded, bridged IPv4 also crosses PRE_ROUTING in the bridge's
            // namespace: then rx.DEV is measured there too, before FORWARD.
            assertThat(r.hop(RX_DEV.in(b.name())).count()).isEqualTo(matched);
            // the unscoped view merges both veth crossings
            assertThat(r.hop(VETH).count()).isEqualTo(2 * matched);
            Histogram forward = r.hop(FORWARD).histogram();
            assertThat(forward.getValueAtPercentile(50)).isPositive();
        }
    }

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
