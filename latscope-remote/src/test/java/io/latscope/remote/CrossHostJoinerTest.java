package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.MarkerPath;
import io.latscope.SessionListener;
import io.latscope.agent.HopRecorders;
import io.latscope.agent.ProbePoint;
import io.latscope.transport.MarkerPart;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.latscope.agent.ProbePoint.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's join of two hosts' halves of a marker: the stretch between the sender's
 * device and the receiver's is NETWORK, or VIRT between a VM and the host it runs on, in
 * both directions; the path's hops add up to END_TO_END either way.
 */
class CrossHostJoinerTest {
    private static final List<ProbePoint> TX = List.of(TX_SOCK, TX_TCP, TX_IP, TX_DEV, TX_XMIT);
    private static final List<ProbePoint> RX = List.of(RX_DEV, RX_IP, RX_TCP, RX_SOCK, RX_APP);

    @Test
    void betweenAVmAndItsHostTheWireIsVirtInBothDirectionsAndNetworkElsewhere() throws Exception {
        HopRecorders recorders = new HopRecorders();
        List<MarkerPath> paths = new ArrayList<>();
        SessionListener listener = paths::add;
        // host clocks 5 us apart: the join maps every stamp to the reference clock first
        CrossHostJoiner joiner = new CrossHostJoiner((host, nanos) -> host.equals("guest") ? nanos - 5_000 : nanos,
                recorders, false, 8_000_000_000L, listener).vms(Map.of("guest", "hv"));

        // guest -> hv: sent 1000..1400 (guest clock), received 1900..2300 (reference)
        FlowKey up = flow(40000, 5001);
        joiner.add("guest", part(up, 0, TX, 6_000, 100), 0);
        joiner.add("hv", part(up, 0, RX, 1_900, 100), 0);
        // hv -> guest: the reverse flow; received on the guest 7000.. (guest clock) = 2000.. reference
        FlowKey down = up.reversed();
        joiner.add("hv", part(down, 0, TX, 1_000, 50), 0);
        joiner.add("guest", part(down, 0, RX, 7_000, 50), 0);
        // guest -> h3, no relation: NETWORK
        FlowKey other = flow(40001, 5002);
        joiner.add("h3", part(other, 0, RX, 1_500, 10), 0);
        joiner.add("guest", part(other, 0, TX, 6_000, 10), 0);

        Map<Hop, Histogram> hops = recorders.cumulative().hops();
        assertThat(single(hops, Hop.VIRT.in("guest->hv"))).isEqualTo(1_900 - (1_000 + 400));
        assertThat(single(hops, Hop.END_TO_END.in("guest->hv"))).isEqualTo(2_300 - 1_000);
        assertThat(single(hops, Hop.VIRT.in("hv->guest"))).isEqualTo(2_000 - (1_000 + 200));
        assertThat(single(hops, Hop.NETWORK.in("guest->h3"))).isEqualTo(1_500 - (1_000 + 40));
        assertThat(hops.keySet()).doesNotContain(Hop.NETWORK.in("guest->hv"), Hop.NETWORK.in("hv->guest"),
                Hop.VIRT.in("guest->h3"));
        assertThat(joiner.stats().joined()).isEqualTo(3);

        // every joined path: sender's hops, the wire, receiver's hops, adding up to END_TO_END
        assertThat(paths).hasSize(3);
        for (MarkerPath p : paths) {
            assertThat(p.complete()).isTrue();
            assertThat(p.hops().stream().mapToLong(MarkerPath.HopSample::nanos).sum()).as(p.toString())
                    .isEqualTo(p.endToEndNanos());
        }
        assertThat(paths.get(0).hops()).extracting(MarkerPath.HopSample::hop).contains(Hop.VIRT.in("guest->hv"));
    }

    @Test
    void halvesOfBytesFourGibApartWithOneSequenceNumberJoinTheirOwnOtherHalves() throws Exception {
        HopRecorders recorders = new HopRecorders();
        List<MarkerPath> paths = new ArrayList<>();
        SessionListener listener = paths::add;
        CrossHostJoiner joiner = new CrossHostJoiner((host, nanos) -> nanos, recorders, false, 2_000_000_000L, listener);
        FlowKey f = flow(40000, 5001);
        // sequence number 0 at 0 s: the receiver's half never comes. At 17 Gbit/s the flow sends
        // sequence number 0 again 4 GiB (2 s) later, here 1 s later, inside the timeout
        joiner.add("a", part(f, 0, TX, 1_000, 100), 1_000);
        joiner.add("a", part(f, 0, TX, 1_000_001_000L, 100), 1_000_001_000L);
        joiner.add("b", part(f, 0, RX, 1_000_002_000L, 100), 1_000_002_000L);
        // and the other way round: a receiver's half waits unjoined when the sender's half of the
        // byte 4 GiB later comes, then that byte's receiver's half
        FlowKey g = flow(40001, 5001);
        joiner.add("b", part(g, 7, RX, 2_000, 100), 2_000);
        joiner.add("a", part(g, 7, TX, 1_000_001_000L, 100), 1_000_001_000L);
        joiner.add("b", part(g, 7, RX, 1_000_002_500L, 100), 1_000_002_500L);
        assertThat(joiner.stats().joined()).isEqualTo(2);
        assertThat(paths).hasSize(2).allSatisfy(p -> assertThat(p.endToEndNanos()).isBetween(1_400L, 1_900L));

        joiner.expire(2_500_000_000L); // the two halves that met no partner
        assertThat(joiner.stats().unjoined()).isEqualTo(2);
        assertThat(joiner.stats().joined()).isEqualTo(2);
    }

    /** A half: its points stamped {@code step} ns apart from {@code first}. */
    private static MarkerPart part(FlowKey flow, long seq, List<ProbePoint> points, long first, long step) {
        long[] nanos = new long[points.size()];
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] = first + i * step;
        }
        return new MarkerPart(flow, seq, false, points, nanos);
    }

    private static FlowKey flow(int srcPort, int dstPort) throws Exception {
        return new FlowKey(InetAddress.getByName("10.0.0.2"), srcPort, InetAddress.getByName("10.0.0.1"), dstPort);
    }

    private static long single(Map<Hop, Histogram> hops, Hop hop) {
        Histogram h = hops.get(hop);
        assertThat(h).as(hop + " in " + hops.keySet()).isNotNull();
        assertThat(h.getTotalCount()).isEqualTo(1);
        return h.getMaxValue();
    }
}
