package io.latscope.sync;

import io.latscope.Namespace;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sync hosts named with the API's types, as a program on the module path names them. */
class SyncHostTest {
    @Test
    void aHostInTheApisNamespaceTypeIsTheSameHost() {
        SyncHost h = SyncHost.of("a", Namespace.current(), "eth0", "10.0.0.1");
        assertThat(h.netns().isCurrent()).isTrue();
        assertThat(h.address().getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(h.describe()).isEqualTo("a (interface eth0, 10.0.0.1, netns self)");
    }

    @Test
    void aMissingNamespaceOrAddressIsAConfigurationError() {
        assertThatThrownBy(() -> SyncHost.of("a", (Namespace) null, "eth0", "10.0.0.1"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs a network namespace");
        assertThatThrownBy(() -> SyncHost.of("a", Namespace.named("latscope-no-such-ns"), "eth0", "10.0.0.1"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("latscope-no-such-ns");
        assertThatThrownBy(() -> SyncHost.of("a", Namespace.current(), "eth0", "host.example"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not an IP address literal");
    }
}
