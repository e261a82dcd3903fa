package io.latscope;

import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HopTest {
    @Test
    void parsesAndPrintsEveryHop() {
        for (Hop h : List.of(Hop.TX_SOCKET, Hop.TX_TCP, Hop.TX_IP, Hop.TX_DEV, Hop.VETH, Hop.FORWARD, Hop.NETWORK,
                Hop.VIRT, Hop.RX_DEV, Hop.RX_IP, Hop.RX_TCP, Hop.RX_SOCKET, Hop.END_TO_END)) {
            assertThat(Hop.parse(h.toString())).isEqualTo(h);
        }
        assertThat(Hop.parse("tx.dev@ns1")).isEqualTo(Hop.TX_DEV.in("ns1"));
        assertThat(Hop.TX_DEV.in("ns1").toString()).isEqualTo("tx.DEV@ns1");
        assertThat(Hop.parse("e2e")).isEqualTo(Hop.END_TO_END);
    }

    @Test
    void aPercentileOutsideZeroToHundredIsAConfigurationError() {
        org.HdrHistogram.Histogram h = LatencyReport.newHistogram();
        h.recordValue(500);
        HopStats s = new HopStats(Hop.TX_TCP, h);
        assertThat(s.percentileNanos(100)).isEqualTo(500);
        assertThat(s.percentileNanos(0)).isEqualTo(500);
        for (double p : new double[] {-1, 100.1, 999, Double.NaN}) {
            assertThatThrownBy(() -> s.percentile(p)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("outside 0..100");
        }
    }

    @Test
    void unknownHopsListTheValidOnes() {
        assertThatThrownBy(() -> Hop.parse("tx.MAC")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown hop 'tx.MAC'").hasMessageContaining("rx.SOCKET");
        assertThatThrownBy(() -> Hop.parse("tx.VETH")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("VETH");
    }

    @Test
    void sortsInPathOrder() {
        List<Hop> hops = new ArrayList<>(List.of(Hop.END_TO_END, Hop.RX_SOCKET, Hop.VIRT.in("vm->h"), Hop.VETH,
                Hop.TX_SOCKET, Hop.RX_DEV, Hop.TX_DEV));
        hops.sort(null);
        assertThat(hops).containsExactly(Hop.TX_SOCKET, Hop.TX_DEV, Hop.VETH, Hop.VIRT.in("vm->h"), Hop.RX_DEV,
                Hop.RX_SOCKET, Hop.END_TO_END);
    }
}
