package io.latscope.sync;

import io.latscope.bpf.XdpMode;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyncStrategyTest {
    @Test
    void xdpDefaultsAndWithers() {
        SyncStrategy s = Sync.xdp();
        assertThat(s.kind()).isEqualTo(SyncStrategy.Kind.XDP);
        assertThat(s.stamps()).isEqualTo(XdpStamps.TWO_STEP);
        assertThat(s.method()).isEqualTo("xdp two-step");
        assertThat(s.authenticate()).isTrue();
        assertThat(s.xdpMode()).isEqualTo(XdpMode.AUTO);

        SyncStrategy t = s.withInterval(Duration.ofSeconds(5)).withProbes(500).withTimeout(Duration.ofMillis(300))
                .withPort(4000).withStamps(XdpStamps.ONE_STEP).withFitWindow(Duration.ofMinutes(2));
        assertThat(t.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(t.probes()).isEqualTo(500);
        assertThat(t.timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(t.port()).isEqualTo(4000);
        assertThat(t.method()).isEqualTo("xdp one-step");
        assertThat(t.estimator().fitWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.probes()).isEqualTo(Sync.xdp().probes()); // immutable
        assertThat(t.toString()).contains("probes=500");

        // rounds after the first are spread in bursts; never more bursts than probes
        assertThat(s.bursts()).isEqualTo(8);
        assertThat(s.probesPerBurst()).isEqualTo(8);
        assertThat(s.withBursts(1).probesPerBurst()).isEqualTo(64);
        assertThat(s.withProbes(3).burstsPerRound()).isEqualTo(3);
        assertThat(s.withProbes(3).probesPerBurst()).isEqualTo(1);
        assertThatThrownBy(() -> s.withBursts(0)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("bursts per round");
    }

    @Test
    void userSpaceAndNone() {
        assertThat(Sync.userSpace().method()).isEqualTo("user-space udp");
        assertThat(Sync.userSpace().port()).isNotEqualTo(Sync.xdp().port());
        assertThat(Sync.none().method()).isEqualTo("none");
        assertThatThrownBy(() -> Sync.userSpace().withStamps(XdpStamps.ONE_STEP))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("only to XDP");
    }

    @Test
    void invalidValuesAreRejected() {
        assertThatThrownBy(() -> Sync.xdp().withProbes(0)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Sync.xdp().withPort(70000)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Sync.xdp().withInterval(Duration.ZERO)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Sync.xdp().withTimeout(Duration.ofSeconds(-1))).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> EstimatorSettings.defaults().withKeepFraction(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
