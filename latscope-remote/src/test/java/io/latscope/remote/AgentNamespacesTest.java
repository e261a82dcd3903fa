package io.latscope.remote;

import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Namespace;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.remote.agent.AgentConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The namespaces a multi-host spec names reach every agent, by the names it looks up on its host. */
class AgentNamespacesTest {
    private static LatScope.Builder twoHosts() {
        return LatScope.builder().hosts(Host.ssh("10.0.0.1"), Host.ssh("10.0.0.2")).redis("redis://10.0.0.254:6379/0");
    }

    @Test
    void namedNamespacesAndTheAgentsOwnAreSentByName() {
        SessionSpec spec = twoHosts().namespaces(Namespace.current(), Namespace.named("client")).build();
        assertThat(RemoteSession.agentNamespaces(spec)).containsExactly(AgentConfig.OWN_NAMESPACE, "client");
        assertThat(RemoteSession.agentNamespaces(twoHosts().build())).containsExactly("self"); // by default
        AgentConfig cfg = AgentConfig.decode(new AgentConfig("s", "h1", java.util.Set.of(), java.util.Set.of(5001),
                RemoteSession.agentNamespaces(spec), false, 1024, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5),
                true, true, 1 << 20, "redis://10.0.0.254:6379/0", null, java.time.Duration.ofSeconds(10), 1000,
                java.time.Duration.ofSeconds(10), 1 << 20, 1 << 20, null,
                java.util.List.of(new io.latscope.FlowKey(java.net.InetAddress.ofLiteral("10.0.0.1"), 0,
                        java.net.InetAddress.ofLiteral("fd00::2"), 5001))).encode());
        assertThat(cfg.namespaces()).containsExactly("self", "client");
        assertThat(cfg.flows()).containsExactly(new io.latscope.FlowKey(java.net.InetAddress.ofLiteral("10.0.0.1"), 0,
                java.net.InetAddress.ofLiteral("fd00::2"), 5001)); // the flow filter reaches the agents too
    }

    /**
     * The controller's sync interface reaches the agents: one on the controller's own kernel
     * (same boot id) knows that its veth peer is served by the controller's program and does
     * not take the peer for its own pass-through program (the controller's attach failed
     * with EBUSY when a namespace host's interface was its veth peer); one on another kernel
     * ignores it.
     */
    @Test
    void theControllersSyncInterfaceCountsOnlyOnItsOwnKernel() {
        io.latscope.sync.SyncHost me = io.latscope.sync.SyncHost.of("h1", io.latscope.bpf.NetNs.current(), "eth1", "10.0.0.1");
        io.latscope.sync.SyncHost ctl = io.latscope.sync.SyncHost.of("controller", io.latscope.bpf.NetNs.current(), "veth9",
                "10.0.0.254");
        AgentConfig.SyncSettings ss = AgentConfig.SyncSettings.of(io.latscope.sync.Sync.xdp(), io.latscope.sync.SessionKey.random(),
                me, ctl);
        AgentConfig decoded = AgentConfig.decode(withSync(ss).encode());
        assertThat(decoded.sync().referenceOnThisKernel()).hasValueSatisfying(h -> {
            assertThat(h.ifname()).isEqualTo("veth9");
            assertThat(h.netns().inode()).isEqualTo(io.latscope.bpf.NetNs.current().inode());
        });
        AgentConfig.SyncSettings elsewhere = new AgentConfig.SyncSettings(ss.kind(), ss.stamps(), ss.port(), ss.xdpMode(),
                ss.authenticate(), ss.key(), ss.ifname(), ss.address(), "another-boot-id", ss.referenceNetnsInode(),
                ss.referenceIfname());
        assertThat(AgentConfig.decode(withSync(elsewhere).encode()).sync().referenceOnThisKernel()).isEmpty();
        assertThat(AgentConfig.SyncSettings.of(io.latscope.sync.Sync.xdp(), io.latscope.sync.SessionKey.random(), me, null)
                .referenceOnThisKernel()).isEmpty();
    }

    private static AgentConfig withSync(AgentConfig.SyncSettings ss) {
        return new AgentConfig("s", "h1", java.util.Set.of(), java.util.Set.of(5001), java.util.List.of("self"), false, 1024,
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5), true, true, 1 << 20,
                "redis://10.0.0.254:6379/0", null, java.time.Duration.ofSeconds(10), 1000, java.time.Duration.ofSeconds(10),
                1 << 20, 1 << 20, ss, java.util.List.of());
    }

    @Test
    void aNamespaceGivenByAPathOfThisMachineIsRefusedForRemoteHosts() {
        SessionSpec spec = twoHosts().namespaces(Namespace.ofPid(1)).build();
        assertThatThrownBy(() -> RemoteSession.agentNamespaces(spec)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("remote hosts take namespaces by their ip netns name");
    }
}
