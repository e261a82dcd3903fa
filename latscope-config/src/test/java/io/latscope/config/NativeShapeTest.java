package io.latscope.config;

import io.latscope.Credentials;
import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Layer;
import io.latscope.Namespace;
import io.latscope.SessionSpec;
import io.latscope.SyncSpec;
import io.latscope.store.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static io.latscope.config.TestFlows.flow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LatScope's own YAML shape: every section, the round trip, and every class of error with its location. */
class NativeShapeTest {
    private static final Map<String, String> NO_ENV = Map.of();

    private static SessionSpec parse(String yaml) {
        return SpecYaml.parse(yaml, "t.yaml", NO_ENV);
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> fails(String yaml) {
        return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigFileException.class);
    }

    @Test
    void everySectionOfALocalSpec() {
        SessionSpec s = parse("""
                label: checkout
                layers: [SOCKET, tcp, IP]
                traffic:
                  ports: [5001, 5002]
                  namespaces: [self]
                  flows: ["10.0.0.1:0->10.0.0.2:5001", "[fd00::1]:40000->[fd00::2]:5001"]
                sampling:
                  stride: 4096
                  includeRetransmissions: true
                  markerTimeout: 500ms
                  markerSampleEvery: 10
                  ringBufferBytes: 1048576
                  syscallBoundaries: false
                  probeCost: false
                interval: 250ms
                store: memory:yaml-test
                """);
        SessionSpec expected = LatScope.builder().label("checkout").layers(Layer.SOCKET, Layer.TCP, Layer.IP).ports(5001, 5002)
                .namespaces(Namespace.current()).flows(flow("10.0.0.1", 0, "10.0.0.2", 5001), flow("fd00::1", 40000, "fd00::2", 5001))
                .stride(4096).includeRetransmissions(true).markerTimeout(Duration.ofMillis(500)).markerSampleEvery(10)
                .ringBufferBytes(1 << 20).syscallBoundaries(false).probeCost(false).interval(Duration.ofMillis(250))
                .store(Stores.of("memory:yaml-test")).build();
        assertThat(s).isEqualTo(expected);
    }

    @Test
    void anEmptyFileIsTheDefaultSpec() {
        assertThat(parse("")).isEqualTo(LatScope.builder().build());
        assertThat(parse("# nothing but a comment\n")).isEqualTo(LatScope.builder().build());
    }

    @Test
    void remoteHostsWithRedisSyncAndAMySqlStore() {
        SessionSpec s = SpecYaml.parse("""
                hosts:
                  - ssh: 10.0.0.1
                    user: ops
                    port: 2222
                    label: client
                    key: /home/ops/.ssh/id_ed25519
                    interfaces: [eth1]
                    sudo: true
                    connectTimeout: 5s
                  - ssh: 10.0.0.2
                    user: ops
                    label: server
                    containerOf: client
                    agent: true
                    trustUnknownHostKeys: true
                    javaHome: /opt/jdk-25
                redis: redis://10.0.0.254:6380/2
                sync:
                  method: xdp
                  probes: 32
                  fitWindow: 10s
                  reference: {namespace: self, interface: eth1, address: 10.0.0.254}
                store:
                  url: jdbc:mysql://127.0.0.1:3306/latscope
                  user: ops
                  options: {batchRows: 500}
                """, "t.yaml", Map.of("LATSCOPE_DB_PASSWORD", "s3cret"));
        assertThat(s.hosts()).containsExactly(
                Host.ssh("10.0.0.1").user("ops").port(2222).label("client").key(Path.of("/home/ops/.ssh/id_ed25519"))
                        .interfaces("eth1").sudo(true).connectTimeout(Duration.ofSeconds(5)),
                Host.ssh("10.0.0.2").user("ops").label("server").containerOf("client").agentAuth().trustUnknownHostKeys()
                        .javaHome("/opt/jdk-25"));
        assertThat(s.redis().url()).isEqualTo("redis://10.0.0.254:6380/2");
        assertThat(s.sync()).isEqualTo(SyncSpec.xdp().withProbes(32).withFitWindow(Duration.ofSeconds(10))
                .withReference(new SyncSpec.Reference(Namespace.current(), "eth1", "10.0.0.254")));
        assertThat(s.store().credentials()).isEqualTo(Credentials.of("ops", "s3cret"));
        assertThat(s.store().options()).containsEntry("batchRows", "500");
    }

    @Test
    void aSpecWrittenBackLoadsEqual() {
        SessionSpec local = LatScope.builder().label("rt").layers(Layer.TCP, Layer.DEV).ports(80, 443).stride(1024)
                .flows(flow("10.0.0.1", 0, "10.0.0.2", 5001)).markerTimeout(Duration.ofMillis(1500))
                .interval(Duration.ofNanos(1_500_000_001)).includeRetransmissions(true).store(Stores.of("memory:rt")).build();
        SessionSpec all = LatScope.builder().allNamespaces().ports(22).build();
        SessionSpec remote = LatScope.builder()
                .hosts(Host.ssh("10.0.0.1").user("ops").label("a").key(Path.of("/k")).interfaces("eth1", "eth2")
                                .knownHosts(Path.of("/etc/ssh/known")).vmOf("b").connectTimeout(Duration.ofMillis(2500)),
                        Host.ssh("fd00::2").port(2200).user("root").label("b"), Host.local())
                .namespaces("ns-on-the-remote-hosts", "other")
                .redis("redis://10.0.0.254:6379/0")
                .sync(SyncSpec.userSpace().withPort(20000).withInterval(Duration.ofMillis(500)).withAuthentication(false))
                .syncReference(Namespace.named("ctl"), "veth0", "10.0.0.254")
                .store(Stores.mysql("jdbc:mysql://db:3306/x", Credentials.of("u", ""))).build();
        for (SessionSpec s : new SessionSpec[] {local, all, remote, LatScope.builder().build()}) {
            String yaml = SpecYaml.write(s);
            assertThat(yaml).doesNotContainIgnoringCase("password");
            assertThat(parse(yaml)).as(yaml).isEqualTo(s);
        }
    }

    @Test
    void aFileOnDiskRoundTrips(@TempDir Path dir) {
        SessionSpec s = LatScope.builder().ports(5001).stride(8192).build();
        Path f = dir.resolve("spec.yaml");
        SpecYaml.write(s, f);
        LoadedSpec l = SpecYaml.load(f, NO_ENV);
        assertThat(l.spec()).isEqualTo(s);
        assertThat(l.source()).isEqualTo(f.toString());
        assertThat(l.ignored()).isEmpty();
    }

    // ---- errors: each names file:line:column and what is allowed ---------------------

    @Test
    void invalidYamlNamesLineAndColumn() {
        fails("traffic:\n  ports: [5001\nsampling: {}\n").hasMessageStartingWith("t.yaml:3:")
                .hasMessageContaining("not valid YAML");
        fails("label: a\n  bad indentation: b\n").hasMessageStartingWith("t.yaml:2:").hasMessageContaining("not valid YAML");
    }

    @Test
    void anUnknownKeyListsTheValidOnesAndTheClosest() {
        fails("sampling:\n  strde: 1024\n").hasMessageStartingWith("t.yaml:2:3: unknown key 'strde' in sampling")
                .hasMessageContaining("valid keys: stride, includeRetransmissions").hasMessageContaining("did you mean 'stride'?");
        fails("layer: [TCP]\n").hasMessageStartingWith("t.yaml:1:1: unknown key 'layer'").hasMessageContaining("'layers'");
    }

    @Test
    void aKeyGivenTwiceIsAnError() {
        fails("interval: 1s\ninterval: 2s\n").hasMessageContaining("t.yaml:").hasMessageContaining("interval");
    }

    @Test
    void typeErrorsSayWhatTheKeyTakes() {
        fails("sampling:\n  stride: many\n").hasMessageStartingWith("t.yaml:2:11: sampling.stride: 'many' is not a whole number");
        fails("traffic:\n  ports: [5001, http]\n").hasMessageStartingWith("t.yaml:2:17: traffic.ports: 'http' is not a whole number");
        fails("sampling: 12\n").hasMessageStartingWith("t.yaml:1:11: sampling must be a mapping");
        fails("label: [a, b]\n").hasMessageStartingWith("t.yaml:1:8: label takes a single value, not a list");
        fails("sampling:\n  probeCost: maybe\n").hasMessageStartingWith("t.yaml:2:14: sampling.probeCost: 'maybe' is not a boolean");
        fails("hosts: [somewhere]\n").hasMessageStartingWith("t.yaml:1:9: hosts: a host is 'local' or a mapping with 'ssh: ADDRESS'");
    }

    @Test
    void invalidValuesNameTheChoices() {
        fails("layers: [TCP, UDP]\n").hasMessageStartingWith("t.yaml:1:15: layers: unknown layer 'UDP'")
                .hasMessageContaining("[SOCKET, TCP, IP, DEV, VETH]");
        fails("sampling:\n  stride: 1000\n").hasMessageStartingWith("t.yaml:2:11: sampling.stride: stride 1000 must be a power of two");
        fails("interval: 1 second\n").hasMessageStartingWith("t.yaml:1:11: interval: '1 second' is not a duration");
        fails("interval: 5\n").hasMessageContaining("with a unit");
        fails("sync:\n  method: ntp\n").hasMessageStartingWith("t.yaml:2:11: sync.method: unknown sync method 'ntp'; methods: xdp, user-space, none");
        fails("traffic:\n  ports: [70000]\n").hasMessageStartingWith("t.yaml:2:11: traffic.ports: port 70000 is out of range");
        fails("traffic:\n  flows: [10.0.0.1->10.0.0.2]\n").hasMessageStartingWith("t.yaml:2:11: traffic.flows:")
                .hasMessageContaining("ADDRESS:PORT");
        fails("store: nosuch:thing\n").hasMessageStartingWith("t.yaml:1:8: store: no store supports 'nosuch:thing'");
    }

    @Test
    void whatOnlyTheWholeSpecCanCheckIsLocatedToo() {
        fails("traffic:\n  namespaces: [self, no-such-ns-xyz]\n")
                .hasMessageStartingWith("t.yaml:2:22: traffic.namespaces: network namespace 'no-such-ns-xyz' does not exist");
        fails("hosts:\n  - ssh: 10.0.0.1\n").hasMessageStartingWith("t.yaml:1:1:").hasMessageContaining("Redis");
        fails("traffic:\n  allNamespaces: true\n  namespaces: [self]\n").hasMessageContaining("not both");
    }

    @Test
    void secretsAreRefusedNamingWhereTheyGoInstead() {
        fails("store:\n  url: jdbc:mysql://db/x\n  user: u\n  password: hunter2\n")
                .hasMessageStartingWith("t.yaml:4:3: store.password: secrets are not read from YAML files")
                .hasMessageContaining("LATSCOPE_DB_PASSWORD").hasMessageContaining("LATSCOPE_DB_CREDENTIALS_FILE")
                .hasMessageNotContaining("hunter2");
        fails("hosts:\n  - ssh: 10.0.0.1\n    password: hunter2\n").hasMessageStartingWith("t.yaml:3:5:")
                .hasMessageContaining("LATSCOPE_SSH_PASSWORD").hasMessageNotContaining("hunter2");
        fails("hosts:\n  - ssh: 10.0.0.1\n    key: |\n      -----BEGIN OPENSSH PRIVATE KEY-----\n      abc\n")
                .hasMessageContaining("not the key itself").hasMessageContaining("LATSCOPE_SSH_KEY_PASSPHRASE");
        fails("redis_password: x\n").hasMessageContaining("LATSCOPE_REDIS_PASSWORD");
        fails("redis: redis://u:pw@10.0.0.1:6379/0\n").hasMessageStartingWith("t.yaml:1:8: redis:")
                .hasMessageContaining("LATSCOPE_REDIS_PASSWORD");
        fails("store: jdbc:mysql://db/x?password=pw\n").hasMessageStartingWith("t.yaml:1:8: store: the URL").hasMessageContaining("carries a password")
                .hasMessageContaining("LATSCOPE_DB_PASSWORD").hasMessageNotContaining("=pw");
    }

    @Test
    void secretsComeFromTheEnvironment() {
        SessionSpec s = SpecYaml.parse("hosts:\n  - ssh: 10.0.0.1\n    key: /k\nredis: redis://10.0.0.9:6379/0\n", "t.yaml",
                Map.of("LATSCOPE_SSH_PASSWORD", "pw", "LATSCOPE_SSH_KEY_PASSPHRASE", "pp", "LATSCOPE_REDIS_PASSWORD", "rpw"));
        Host.Ssh h = (Host.Ssh) s.hosts().getFirst();
        assertThat(h.password().value()).isEqualTo("pw");
        assertThat(h.keyPassphrase().value()).isEqualTo("pp");
        assertThat(s.redis().password().value()).isEqualTo("rpw");
        assertThat(SpecYaml.write(s)).doesNotContain("pw", "pp", "rpw");
    }

    @Test
    void aMissingOrUnreadableFileIsOneLine(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> SpecYaml.load(dir.resolve("nope.yaml"), NO_ENV)).isInstanceOf(ConfigFileException.class)
                .hasMessage(dir.resolve("nope.yaml") + ": no such file or directory");
        Path bin = dir.resolve("bin.yaml");
        Files.write(bin, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertThatThrownBy(() -> SpecYaml.load(bin, NO_ENV)).isInstanceOf(ConfigFileException.class)
                .hasMessageStartingWith(bin + ": ");
    }

    @Test
    void theExceptionCarriesTheLocation() {
        ConfigFileException e = (ConfigFileException) org.assertj.core.api.Assertions.catchThrowable(
                () -> parse("sampling:\n  stride: 3\n"));
        assertThat(e.file()).isEqualTo("t.yaml");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.column()).isEqualTo(11);
        assertThat(e.problem()).startsWith("sampling.stride:");
    }
}
