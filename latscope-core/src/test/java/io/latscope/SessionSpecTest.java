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
        assertThat(spec.ports()).containsExactlyInAnyOrder(5001, 8443);
        assertThat(spec.hosts()).containsExactly(Host.local());
        assertThat(spec.namespaces()).hasSize(1); // the caller's own
        assertThat(spec.strideBytes()).isEqualTo(LatScope.DEFAULT_STRIDE);
        assertThat(spec.toString()).contains("layers=").contains("ports=");
        assertThatThrownBy(() -> spec.layers().add(IP)).isInstanceOf(UnsupportedOperationException.class);
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
        assertThat(LatScope.builder().stride(1024).build().strideShift()).isEqualTo(10);
    }

    @Test
    void otherBadInput() {
        assertThatThrownBy(() -> LatScope.builder().interval(Duration.ZERO).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("interval");
        assertThatThrownBy(() -> LatScope.builder().namespaces("no-such-namespace-xyz").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> LatScope.builder().namespaces("x").allNamespaces().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("either");
    }
}
