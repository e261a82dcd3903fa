package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.MarkerPath.HopSample;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** One writer recording markers while a reader takes intervals and snapshots: nothing lost, nothing twice. */
class HopRecordersTest {
    static FlowKey flow(int port) throws Exception {
        return new FlowKey(InetAddress.getByName("10.0.0.1"), port, InetAddress.getByName("10.0.0.2"), 5001);
    }

    @Test
    void everyValueLandsInExactlyOneIntervalAndInTheTotals() throws Exception {
        HopRecorders r = new HopRecorders();
        Hop tcp = Hop.TX_TCP.in("a");
        Hop dev = Hop.RX_DEV.in("b");
        FlowKey f1 = flow(40000);
        FlowKey f2 = flow(40001);
        int markers = 400_000;
        AtomicBoolean done = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < markers; i++) {
                // new but equal hop and flow objects now and then: the caches go by identity
                Hop h = i % 1000 == 0 ? Hop.TX_TCP.in("a") : tcp;
                r.recordMarker(i % 2 == 0 ? f1 : f2, List.of(new HopSample(h, 1000 + i % 7), new HopSample(dev, 2000)),
                        i % 3 == 0 ? null : new HopSample(Hop.END_TO_END, 5000));
            }
            done.set(true);
        });
        long[] intervalCounts = new long[3]; // tcp, dev, e2e
        long perFlowTcp = 0;
        while (!done.get() || writer.isAlive()) {
            HopRecorders.Totals t = r.closeInterval();
            intervalCounts[0] += count(t.hops(), tcp);
            intervalCounts[1] += count(t.hops(), dev);
            intervalCounts[2] += count(t.hops(), Hop.END_TO_END);
            perFlowTcp += count(t.flows().getOrDefault(f1, Map.of()), tcp) + count(t.flows().getOrDefault(f2, Map.of()), tcp);
            r.cumulative(); // a snapshot in between takes nothing from the intervals
        }
        writer.join();
        HopRecorders.Totals last = r.closeInterval();
        intervalCounts[0] += count(last.hops(), tcp);
        intervalCounts[1] += count(last.hops(), dev);
        intervalCounts[2] += count(last.hops(), Hop.END_TO_END);
        perFlowTcp += count(last.flows().get(f1), tcp) + count(last.flows().get(f2), tcp);
        long e2e = markers - (markers + 2) / 3;
        assertThat(intervalCounts).containsExactly(markers, markers, e2e);
        assertThat(perFlowTcp).isEqualTo(markers);

        HopRecorders.Totals total = r.cumulative();
        assertThat(total.hops().get(tcp).getTotalCount()).isEqualTo(markers);
        assertThat(total.hops().get(tcp).getMinValue()).isEqualTo(1000);
        assertThat(total.hops().get(tcp).getMaxValue()).isEqualTo(1006);
        assertThat(total.hops().get(Hop.END_TO_END).getTotalCount()).isEqualTo(e2e);
        assertThat(total.flows().get(f1).get(dev).getTotalCount()).isEqualTo(markers / 2);
        assertThat(total.flows().get(f2).get(Hop.END_TO_END).getTotalCount()).isEqualTo(e2e / 2);
    }

    @Test
    void valuesAreClampedAndFlowsBeyondTheLimitCountOnlyPerHop() throws Exception {
        HopRecorders r = new HopRecorders();
        for (int i = 0; i < HopRecorders.MAX_FLOWS + 10; i++) {
            r.recordMarker(flow(1000 + i), List.of(new HopSample(Hop.VETH, -5)), null);
        }
        r.recordMarker(flow(1000), List.of(new HopSample(Hop.VETH, Long.MAX_VALUE)), null);
        HopRecorders.Totals t = r.closeInterval();
        Histogram veth = t.hops().get(Hop.VETH);
        assertThat(veth.getTotalCount()).isEqualTo(HopRecorders.MAX_FLOWS + 11);
        assertThat(veth.getMinValue()).isZero();
        assertThat(veth.getMaxValue()).isGreaterThanOrEqualTo(io.latscope.LatencyReport.HIGHEST_TRACKABLE_NANOS);
        assertThat(t.flows()).hasSize(HopRecorders.MAX_FLOWS);
        // an interval with nothing new still lists the hop, empty
        assertThat(r.closeInterval().hops().get(Hop.VETH).getTotalCount()).isZero();
        assertThat(r.cumulative().hops().get(Hop.VETH).getTotalCount()).isEqualTo(HopRecorders.MAX_FLOWS + 11);
    }

    private static long count(Map<Hop, Histogram> m, Hop h) {
        Histogram x = m == null ? null : m.get(h);
        return x == null ? 0 : x.getTotalCount();
    }
}
