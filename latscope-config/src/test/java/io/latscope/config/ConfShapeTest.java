package io.latscope.config;

import io.latscope.Credentials;
import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Namespace;
import io.latscope.SessionSpec;
import io.latscope.SyncSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The original LatScope's conf/ directory, as its repository ships it (passwords removed,
 * which LatScope refuses): every key mapped or reported as ignored, by name.
 */
class ConfShapeTest {
    private static final Map<String, String> ENV = Map.of("LATSCOPE_DB_PASSWORD", "from-env");

    @TempDir
    Path conf;

    private void write(String name, String text) throws IOException {
        Files.writeString(conf.resolve(name), text);
    }

    private void original() throws IOException {
        write("connect_info.yaml", """
                servers:
                    - address: 10.20.0.6
                      port: 51111
                      username: yourusername1
                      hostname: yourhostname1
                      novm: 1
                      metadata_key: 1
                      eth:
                          - eth0
                    - address: 10.20.0.8
                      port: 51111
                      username: yourusername2
                      hostname: yourhostname2
                      isvm: 1
                      metadata_key: 2
                      eth:
                          - eth0
                """);
        write("sampling_info.yaml", """
                size: 72400
                interval: 1
                ports:
                    - 5001
                    - 8443
                filter_retrans: 1
                """);
        write("ping_info.yaml", """
                management_server: 10.20.0.7
                servers:
                    - address: 10.20.0.6
                      port: 51111
                      eth:
                          - eth0
                    - address: 10.20.0.8
                      port: 51111
                      eth:
                          - eth1
                """);
        write("database_info.yaml", "user: mysqlusername\nhost: 10.20.0.7\ndb: mysqldbname\n");
        write("management_server_info.yaml", "address: 10.20.0.7\nport: 22\nusername: yourusername\nhostname: mgr\neth:\n    - eth0\n    - lo\n");
        write("redis_info.yaml", "host: 10.20.0.7\nport: 6379\n\n");
        write("time_sync.yaml", "time_interval: 64\n");
        write("function_info.yaml", "anything: goes\n");
    }

    @Test
    void theOriginalConfDirectoryMapsKeyByKey() throws IOException {
        original();
        LoadedSpec l = SpecYaml.load(conf, ENV);
        SessionSpec s = l.spec();
        assertThat(s.hosts()).containsExactly(
                Host.ssh("10.20.0.6").port(51111).user("yourusername1").label("yourhostname1").interfaces("eth0"),
                Host.ssh("10.20.0.8").port(51111).user("yourusername2").label("yourhostname2").interfaces("eth0", "eth1")
                        .vmOf("yourhostname1"));
        assertThat(s.sampling().strideBytes()).isEqualTo(131072);
        assertThat(s.sampling().includeRetransmissions()).isFalse();
        assertThat(s.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.traffic().ports()).containsExactlyInAnyOrder(5001, 8443);
        assertThat(s.redis().url()).isEqualTo("redis://10.20.0.7:6379/0");
        assertThat(s.store().url()).isEqualTo("jdbc:mysql://10.20.0.7:3306/mysqldbname");
        assertThat(s.store().credentials()).isEqualTo(Credentials.of("mysqlusername", "from-env"));
        assertThat(s.sync()).isEqualTo(SyncSpec.xdp().withPort(51111).withInterval(Duration.ofSeconds(64))
                .withFitWindow(Duration.ofSeconds(256)).withReference(new SyncSpec.Reference(Namespace.current(), "eth0", "10.20.0.7")));
        assertThat(l.ignored()).anyMatch(i -> i.startsWith("connect_info.yaml: servers[0].metadata_key"))
                .anyMatch(i -> i.startsWith("connect_info.yaml: servers[0].novm"))
                .anyMatch(i -> i.startsWith("management_server_info.yaml: port"))
                .anyMatch(i -> i.startsWith("management_server_info.yaml: username"))
                .anyMatch(i -> i.startsWith("management_server_info.yaml: hostname"))
                .anyMatch(i -> i.startsWith("management_server_info.yaml: eth lo"))
                .anyMatch(i -> i.startsWith("function_info.yaml"));
        assertThat(l.notes()).anyMatch(n -> n.contains("size 72400 is rounded up to the stride 131072"))
                .anyMatch(n -> n.contains("known_hosts")).anyMatch(n -> n.contains("time_interval 64 s"));
        // and the result writes out as LatScope's own shape, equal when read back
        assertThat(SpecYaml.parse(SpecYaml.write(s), "w.yaml", ENV)).isEqualTo(s);
    }

    @Test
    void samplingAloneIsALocalSession() throws IOException {
        write("sampling_info.yaml", "size: 0\ninterval: 2\nports: 5001\nfilter_retrans: 0\n");
        write("notes.yaml", "x: 1\n");
        LoadedSpec l = SpecYaml.load(conf, ENV);
        assertThat(l.spec()).isEqualTo(LatScope.builder().ports(5001).interval(Duration.ofSeconds(2))
                .includeRetransmissions(true).build());
        assertThat(l.notes()).anyMatch(n -> n.contains("size 0 has no equivalent"));
        assertThat(l.ignored()).contains("notes.yaml (not a file of the original conf/ directory)");
    }

    @Test
    void passwordsOfTheOriginalAreRefused() throws IOException {
        original();
        write("connect_info.yaml", "servers:\n    - address: 10.20.0.6\n      password: yourpassword1\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).isInstanceOf(ConfigFileException.class)
                .hasMessageStartingWith(conf.resolve("connect_info.yaml") + ":3:7: servers[0].password: secrets are not read")
                .hasMessageContaining("LATSCOPE_SSH_PASSWORD").hasMessageNotContaining("yourpassword1");
        original();
        write("database_info.yaml", "user: u\npasswd: mysqlpassword\nhost: h\ndb: d\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).isInstanceOf(ConfigFileException.class)
                .hasMessageStartingWith(conf.resolve("database_info.yaml") + ":2:1: passwd:")
                .hasMessageContaining("LATSCOPE_DB_PASSWORD");
        original();
        write("management_server_info.yaml", "address: 10.20.0.7\npassword: x\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).hasMessageContaining("management_server_info.yaml:2:1: password:");
    }

    @Test
    void errorsInTheOriginalShapeAreLocatedToo() throws IOException {
        original();
        write("sampling_info.yaml", "size: 1024\nports: [5001, x]\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).isInstanceOf(ConfigFileException.class)
                .hasMessageStartingWith(conf.resolve("sampling_info.yaml") + ":2:15: ports: 'x' is not a whole number");
        write("sampling_info.yaml", "size: 1024\nfilter_retrans: 2\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).hasMessageContaining(":2:17: filter_retrans: 2 is neither 0");
        write("sampling_info.yaml", "sise: 1024\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).hasMessageContaining(":1:1: unknown key 'sise' in the file;"
                + " valid keys: size, interval, ports, filter_retrans (did you mean 'size'?)");
        write("sampling_info.yaml", "size: 1024\n");
        write("ping_info.yaml", "servers:\n  - address: 10.9.9.9\n");
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).hasMessageContaining("ping_info.yaml:2:14: servers[0].address: '10.9.9.9' is not a server of connect_info.yaml");
        Files.delete(conf.resolve("ping_info.yaml"));
        Files.delete(conf.resolve("redis_info.yaml"));
        assertThatThrownBy(() -> SpecYaml.load(conf, ENV)).hasMessageContaining("connect_info.yaml: remote hosts report through Redis");
    }

    @Test
    void aDirectoryWithoutConfFilesSaysWhatItExpected(@TempDir Path empty) {
        assertThatThrownBy(() -> SpecYaml.load(empty, ENV)).isInstanceOf(ConfigFileException.class)
                .hasMessageContaining("holds none of the original conf/ files (connect_info.yaml, ping_info.yaml");
    }
}
