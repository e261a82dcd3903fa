package io.latscope.remote;

import io.latscope.Host;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Host.Ssh}: defaults, withers, validation, and secrets that never print. */
class SshHostTest {

    @Test
    void defaultsAndWithers() {
        Host.Ssh h = Host.ssh("db1.example");
        assertThat(h.port()).isEqualTo(22);
        assertThat(h.user()).isEqualTo(System.getProperty("user.name"));
        assertThat(h.label()).isEqualTo("db1.example");
        assertThat(h.knownHosts()).isEqualTo(Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"));
        assertThat(h.trustsUnknownHostKeys()).isFalse();
        assertThat(h.useAgent()).isFalse();
        assertThat(h.sudo()).isFalse();
        assertThat(h.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(h.parent()).isNull();

        Host.Ssh c = h.port(2222).user("ops").label("db-1").interfaces("eth0").interfaces("eth1").containerOf("vm-1")
                .javaHome("/opt/jdk-25").sudo(true).agentAuth().trustUnknownHostKeys().connectTimeout(Duration.ofSeconds(2));
        assertThat(h.port()).as("withers copy").isEqualTo(22);
        assertThat(c.interfaces()).containsExactly("eth0", "eth1");
        assertThat(c.parent()).isEqualTo(new Host.Parent(Host.Relation.CONTAINER, "vm-1"));
        assertThat(c.vmOf("host-1").parent()).isEqualTo(new Host.Parent(Host.Relation.VM, "host-1"));
        assertThat(c.target()).isEqualTo("ops@db1.example:2222");
        assertThat(Host.ssh("fe80::1").target()).endsWith("@[fe80::1]:22");
        assertThat(c).isEqualTo(h.port(2222).user("ops").label("db-1").interfaces("eth0", "eth1").containerOf("vm-1")
                .javaHome("/opt/jdk-25").sudo(true).agentAuth().trustUnknownHostKeys().connectTimeout(Duration.ofSeconds(2)));
        assertThat(c.toString()).isEqualTo("Host.ssh(ops@db1.example:2222, label=db-1, agent, trustUnknownHostKeys,"
                + " interfaces=[eth0, eth1], containerOf=vm-1, javaHome=/opt/jdk-25, sudo)");
    }

    @Test
    void secretsNeverPrintButCompareByContent() {
        char[] phrase = "s3cret-phrase".toCharArray();
        Host.Ssh h = Host.ssh("10.0.0.1").key(Path.of("/k/id"), phrase).password("s3cret-pw");
        phrase[0] = 'X'; // the host keeps its own copy
        assertThat(h.keyPassphrase().value()).isEqualTo("s3cret-phrase");
        assertThat(h.toString()).isEqualTo("Host.ssh(" + System.getProperty("user.name")
                + "@10.0.0.1:22, key=/k/id (passphrase ****), password=****)");
        assertThat(h.password().toString()).isEqualTo("****");
        assertThat(h).isEqualTo(Host.ssh("10.0.0.1").key(Path.of("/k/id"), "s3cret-phrase").password("s3cret-pw"));
        assertThat(h).isNotEqualTo(h.password("other"));
    }

    @Test
    void invalidInputIsAConfigurationErrorNamingTheHost() {
        Host.Ssh h = Host.ssh("10.0.0.1").label("db-1");
        for (Runnable bad : List.<Runnable>of(
                () -> Host.ssh(" "), () -> Host.ssh("a b"), () -> h.port(0), () -> h.port(65536), () -> h.user("a b"),
                () -> h.user(""), () -> h.label(" "), () -> h.interfaces("eth/0"), () -> h.interfaces("waytoolonginterface0"),
                () -> h.vmOf("db-1"), () -> h.containerOf(" "), () -> h.javaHome("jdk"),
                () -> h.connectTimeout(Duration.ZERO))) {
            assertThatThrownBy(bad::run).isInstanceOf(ConfigurationException.class);
        }
        assertThatThrownBy(() -> h.port(0)).hasMessageContaining("db-1");
        assertThatThrownBy(() -> h.vmOf("db-1")).hasMessage("host db-1 cannot be a VM of itself");
    }
}
