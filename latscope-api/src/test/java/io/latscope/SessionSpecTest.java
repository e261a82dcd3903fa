package io.latscope;

import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.latscope.Layer.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionSpecTest {

    @Test
    void buildsAnImmutablePrintableSpecWithDefaults() {
        SessionSpec spec = LatScope.builder().layers(SOCKET, TCP).ports(5001, 8443).build();
        assertThat(spec.layers()).containsExactlyInAnyOrder(SOCKET, TCP);
        assertThat(spec.traffic().ports()).containsExactlyInAnyOrder(5001, 8443);
        assertThat(spec.hosts()).containsExactly(Host.local());
        assertThat(spec.traffic().namespaces()).hasSize(1); // the caller's own
        assertThat(spec.sampling().strideBytes()).isEqualTo(LatScope.DEFAULT_STRIDE);
        assertThat(spec.toString()).contains("layers=").contains("ports=");
        assertThatThrownBy(() -> spec.layers().add(IP)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aVmOfAHostOutsideTheSessionFailsAtBuildNamingTheHosts() {
        Host.Ssh hv = Host.ssh("10.0.0.1").label("hv");
        LatScope.Builder b = LatScope.builder().redis("redis://10.0.0.9:6379/0").sync(SyncSpec.none());
        assertThatThrownBy(() -> b.hosts(hv, Host.ssh("10.0.0.2").label("guest").vmOf("hw")).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("host guest is declared a VM (vmOf) of 'hw', which is not a host of this session; hosts are [hv, guest]");
        SessionSpec ok = LatScope.builder().redis("redis://10.0.0.9:6379/0").sync(SyncSpec.none())
                .hosts(hv, Host.ssh("10.0.0.2").label("guest").vmOf("hv")).build();
        assertThat(ok.hosts()).hasSize(2);
    }

    @Test
    void noLayersMeansAll() {
        assertThat(LatScope.builder().build().layers()).containsExactlyInAnyOrder(Layer.values());
    }

    @Test
    void unknownLayerFailsAtBuildNamingTheValidOnes() {
        assertThatThrownBy(() -> LatScope.builder().layers("SOCKET", "MAC").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown layer 'MAC'").hasMessageContaining("SOCKET, TCP, IP, DEV, VETH");
    }

    @Test
    void portsOutOfRangeFailAtBuild() {
        assertThatThrownBy(() -> LatScope.builder().ports(0).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("port 0 is out of range 1..65535");
        assertThatThrownBy(() -> LatScope.builder().ports(80, 65536).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("port 65536");
    }

    @Test
    void strideMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> LatScope.builder().stride(1000).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("power of two");
        assertThat(LatScope.builder().stride(1024).build().sampling().strideShift()).isEqualTo(10);
    }

    @Test
    void otherBadInput() {
        assertThatThrownBy(() -> LatScope.builder().interval(Duration.ZERO).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("interval");
        assertThatThrownBy(() -> LatScope.builder().namespaces("no-such-namespace-xyz").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("does not exist")
                .hasMessageContaining("ip netns add no-such-namespace-xyz");
        assertThatThrownBy(() -> LatScope.builder().namespaces("a/b").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("invalid network namespace name");
        assertThatThrownBy(() -> LatScope.builder().namespaces("x").allNamespaces().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("either");
    }
}
