package io.latscope.config;

import io.latscope.Credentials;
import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Namespace;
import io.latscope.RedisSpec;
import io.latscope.SessionSpec;
import io.latscope.StoreSpec;
import io.latscope.SyncSpec;
import io.latscope.store.Stores;
import org.snakeyaml.engine.v2.nodes.Node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The original LatScope's {@code conf/} directory: connect_info.yaml, ping_info.yaml,
 * sampling_info.yaml, database_info.yaml, redis_info.yaml, management_server_info.yaml,
 * time_sync.yaml (and function_info.yaml, which it never read). docs/cli.md has the mapping
 * of every key; keys that mean nothing here are listed in {@link LoadedSpec#ignored()}.
 */
final class ConfShape {
    static final List<String> FILES = List.of("connect_info.yaml", "ping_info.yaml", "sampling_info.yaml",
            "database_info.yaml", "redis_info.yaml", "management_server_info.yaml", "time_sync.yaml", "function_info.yaml");
    static final List<String> SERVER = List.of("address", "port", "username", "password", "hostname", "metadata_key",
            "novm", "isvm", "iscontainer", "eth", "other_address");
    static final List<String> PING = List.of("management_server", "servers");
    static final List<String> PING_SERVER = List.of("address", "port", "eth");
    static final List<String> SAMPLING = List.of("size", "interval", "ports", "filter_retrans");
    static final List<String> DATABASE = List.of("user", "passwd", "host", "port", "db");
    static final List<String> REDIS = List.of("host", "address", "port");
    static final List<String> MANAGEMENT = List.of("address", "port", "username", "password", "hostname", "eth");
    static final List<String> TIME_SYNC = List.of("time_interval");

    private final Map<String, String> env;
    private final List<String> ignored = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    ConfShape(Map<String, String> env) {
        this.env = env;
    }

    LoadedSpec read(Path dir) {
        List<String> present = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).sorted().forEach(n -> {
                if (FILES.contains(n)) {
                    present.add(n);
                } else if (n.endsWith(".yaml") || n.endsWith(".yml")) {
                    ignored.add(n + " (not a file of the original conf/ directory)");
                }
            });
        } catch (IOException e) {
            throw new ConfigFileException(dir.toString(), 0, 0, "cannot list the directory: " + e, e);
        }
        if (present.isEmpty()) {
            throw new ConfigFileException(dir.toString(), 0, 0, "holds none of the original conf/ files ("
                    + String.join(", ", FILES) + "); give a LatScope YAML file instead, or such a directory", null);
        }
        LatScope.Builder b = LatScope.builder();
        Section top = null;
        Map<String, Host.Ssh> byKey = new LinkedHashMap<>();
        Map<String, Host.Ssh> byAddress = new LinkedHashMap<>();
        if (present.contains("connect_info.yaml")) {
            top = connectInfo(YamlFile.read(dir.resolve("connect_info.yaml")), byKey, byAddress);
        }
        Section sampling = present.contains("sampling_info.yaml")
                ? sampling(YamlFile.read(dir.resolve("sampling_info.yaml")), b) : null;
        String refAddress = null;
        String refIf = null;
        Integer syncPort = null;
        if (present.contains("management_server_info.yaml")) {
            Section m = section(dir, "management_server_info.yaml", MANAGEMENT,
                    "the management server is where the latscope command runs: LatScope does not log in to it");
            refAddress = m.string("address");
            List<String> eth = m.strings("eth");
            refIf = eth.stream().filter(e -> !e.equals("lo")).findFirst().orElse(null);
            ignore(m, "port", "LatScope does not log in to the management server");
            ignore(m, "username", "LatScope does not log in to the management server");
            ignore(m, "hostname", "the controller is this machine");
            if (eth.contains("lo")) {
                ignored.add("management_server_info.yaml: eth lo (the original redirected probes through lo;"
                        + " XDP sync uses the interface towards the hosts)");
            }
        }
        if (present.contains("ping_info.yaml")) {
            Section p = section(dir, "ping_info.yaml", PING, Env.SSH_INSTEAD);
            if (p.has("management_server")) {
                String a = p.string("management_server");
                if (refAddress != null && !refAddress.equals(a)) {
                    throw p.error("management_server", "'" + a + "' differs from management_server_info.yaml's address '"
                            + refAddress + "'; the controller has one address");
                }
                refAddress = a;
            }
            for (Node n : p.list("servers")) {
                Section s = Section.of(p.file(), n, "servers[" + p.list("servers").indexOf(n) + "]");
                s.requireKnown(PING_SERVER);
                String address = s.string("address", "the server's address");
                Host.Ssh h = byAddress.get(address);
                if (h == null) {
                    throw s.error("address", "'" + address + "' is not a server of connect_info.yaml (servers there: "
                            + byAddress.keySet() + ")");
                }
                Set<String> ifs = new LinkedHashSet<>(h.interfaces());
                List<String> more = s.strings("eth");
                more.removeAll(ifs);
                if (!more.isEmpty()) {
                    Host.Ssh h2 = s.checked("eth", () -> h.interfaces(more.toArray(String[]::new)));
                    replace(byKey, byAddress, h, h2);
                }
                if (s.has("port")) {
                    int port = s.integer("port", "the UDP port of sync probes");
                    if (syncPort != null && syncPort != port) {
                        throw s.error("port", port + " differs from another server's " + syncPort
                                + ": LatScope sends every host its sync probes on one UDP port");
                    }
                    syncPort = port;
                }
            }
        }
        byKey.values().forEach(b::hosts);
        boolean remote = !byKey.isEmpty();
        Duration syncInterval = null;
        Section timeSync = null;
        if (present.contains("time_sync.yaml")) {
            timeSync = section(dir, "time_sync.yaml", TIME_SYNC, Env.SSH_INSTEAD);
            syncInterval = timeSync.duration("time_interval", "s");
        }
        if (remote && refAddress != null) {
            SyncSpec sync = SyncSpec.xdp();
            if (syncPort != null) {
                sync = sync.withPort(syncPort);
            }
            if (syncInterval != null) {
                Duration iv = syncInterval;
                SyncSpec base = sync;
                sync = timeSync.checked("time_interval", () -> base.withInterval(iv)
                        .withFitWindow(iv.multipliedBy(4).compareTo(base.fitWindow()) > 0 ? iv.multipliedBy(4) : base.fitWindow()));
                notes.add("time_sync.yaml: time_interval " + iv.toSeconds() + " s is the time between sync rounds;"
                        + " offsets and drift are fitted over " + sync.fitWindow().toSeconds() + " s");
            }
            b.sync(sync);
            if (refIf != null) {
                b.syncReference(Namespace.current(), refIf, refAddress);
            }
        } else if (syncInterval != null) {
            ignored.add("time_sync.yaml: time_interval (no remote hosts, no clock sync)");
        }
        if (present.contains("redis_info.yaml")) {
            Section r = section(dir, "redis_info.yaml", REDIS, Env.REDIS_INSTEAD);
            String host = r.has("host") ? r.string("host") : r.string("address", "the Redis server's address (host:)");
            int port = r.has("port") ? r.integer("port", "the Redis port") : 6379;
            String url = "redis://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/0";
            String pw = Env.get(env, RedisSpec.PASSWORD_ENV);
            r.checked(r.has("host") ? "host" : "address", () -> RedisSpec.parse(url, pw));
            b.redis(url, pw);
        }
        if (present.contains("database_info.yaml")) {
            b.store(database(section(dir, "database_info.yaml", DATABASE, Env.DB_INSTEAD)));
        }
        if (present.contains("function_info.yaml")) {
            ignored.add("function_info.yaml (the original never read it: LatScope chooses its probe points itself,"
                    + " see latscope doctor)");
        }
        SessionSpec spec;
        try {
            spec = b.build();
        } catch (io.latscope.error.ConfigurationException e) {
            String file = top != null ? "connect_info.yaml" : sampling != null ? "sampling_info.yaml" : present.getFirst();
            throw new ConfigFileException(dir.resolve(file).toString(), 0, 0, e.getMessage(), e);
        }
        return new LoadedSpec(spec, dir.toString(), ignored, notes);
    }

    private Section section(Path dir, String name, List<String> valid, String secretsInstead) {
        Section s = YamlFile.read(dir.resolve(name)).top("");
        s.refuseSecrets(secretsInstead);
        s.requireKnown(valid);
        return s;
    }

    private void ignore(Section s, String key, String why) {
        if (s.has(key)) {
            ignored.add(s.file().name().replaceAll(".*/", "") + ": " + s.key(key) + " (" + why + ")");
        }
    }

    private Section connectInfo(YamlFile f, Map<String, Host.Ssh> byKey, Map<String, Host.Ssh> byAddress) {
        Section top = f.top("");
        top.requireKnown(List.of("servers"));
        Map<String, String> labelOfKey = new LinkedHashMap<>();
        List<Section> servers = new ArrayList<>();
        List<Node> list = top.list("servers");
        for (int i = 0; i < list.size(); i++) {
            Section s = Section.of(f, list.get(i), "servers[" + i + "]");
            s.refuseSecrets(Env.SSH_INSTEAD);
            s.requireKnown(SERVER);
            servers.add(s);
            String address = s.string("address", "the server's SSH address");
            String label = s.has("hostname") ? s.string("hostname") : address;
            String key = s.has("metadata_key") ? s.string("metadata_key") : label;
            labelOfKey.put(key, label);
        }
        for (Section s : servers) {
            String address = s.string("address");
            Host.Ssh[] h = {s.checked("address", () -> Host.ssh(address))};
            if (s.has("port")) {
                int port = s.integer("port", "the SSH port");
                h[0] = s.checked("port", () -> h[0].port(port));
            }
            if (s.has("username")) {
                String user = s.string("username");
                h[0] = s.checked("username", () -> h[0].user(user));
            }
            if (s.has("hostname")) {
                String label = s.string("hostname");
                h[0] = s.checked("hostname", () -> h[0].label(label));
            }
            if (s.has("eth")) {
                List<String> eth = s.strings("eth");
                h[0] = s.checked("eth", () -> h[0].interfaces(eth.toArray(String[]::new)));
            }
            for (String rel : List.of("isvm", "iscontainer")) {
                if (s.has(rel)) {
                    String parentKey = s.string(rel);
                    String parent = labelOfKey.get(parentKey);
                    if (parent == null) {
                        throw s.error(rel, "no server has metadata_key " + parentKey + " (keys: " + labelOfKey.keySet() + ")");
                    }
                    h[0] = s.checked(rel, () -> rel.equals("isvm") ? h[0].vmOf(parent) : h[0].containerOf(parent));
                }
            }
            ignore(s, "metadata_key", "hosts are named by hostname; isvm and iscontainer are resolved through it");
            ignore(s, "novm", "a host is bare metal unless isvm or iscontainer says otherwise");
            ignore(s, "other_address", "LatScope reaches each host at its address only");
            String pw = Env.get(env, Env.SSH_PASSWORD);
            Host.Ssh host = pw == null ? h[0] : h[0].password(pw);
            String key = s.has("metadata_key") ? s.string("metadata_key") : host.label();
            if (byKey.put(key, host) != null) {
                throw s.error("metadata_key", "two servers have metadata_key " + key);
            }
            byAddress.put(address, host);
        }
        if (!servers.isEmpty()) {
            notes.add("connect_info.yaml: host keys are checked against ~/.ssh/known_hosts (the original accepted any);"
                    + " add them first, e.g. ssh-keyscan -p PORT ADDRESS >> ~/.ssh/known_hosts");
        }
        return top;
    }

    private static void replace(Map<String, Host.Ssh> byKey, Map<String, Host.Ssh> byAddress, Host.Ssh old, Host.Ssh now) {
        byKey.replaceAll((k, v) -> v == old ? now : v);
        byAddress.replaceAll((k, v) -> v == old ? now : v);
    }

    private Section sampling(YamlFile f, LatScope.Builder b) {
        Section s = f.top("");
        s.requireKnown(SAMPLING);
        if (s.has("size")) {
            int size = s.integer("size", "the sampling stride in bytes");
            if (size <= 0) {
                notes.add("sampling_info.yaml: size " + size + " has no equivalent (a marker is one byte in N);"
                        + " the default stride " + LatScope.DEFAULT_STRIDE + " is used");
            } else {
                int stride = Integer.highestOneBit(size) == size ? size : Math.min(1 << 30, Integer.highestOneBit(size) << 1);
                if (stride != size) {
                    notes.add("sampling_info.yaml: size " + size + " is rounded up to the stride " + stride
                            + " (a power of two, so every layer and host picks the same bytes)");
                }
                s.checked("size", () -> LatScope.builder().stride(stride).build());
                b.stride(stride);
            }
        }
        if (s.has("interval")) {
            Duration d = s.duration("interval", "s");
            s.checked("interval", () -> LatScope.builder().interval(d).build());
            b.interval(d);
        }
        for (Node n : s.list("ports")) {
            int p = s.toInt("ports", n, "TCP port numbers 1..65535");
            s.checked(n, "ports", () -> LatScope.builder().ports(p).build());
            b.ports(p);
        }
        if (s.has("filter_retrans")) {
            int v = s.integer("filter_retrans", "1 leaves retransmitted packets out, 0 keeps them");
            if (v != 0 && v != 1) {
                throw s.error("filter_retrans", v + " is neither 0 (keep retransmissions) nor 1 (leave them out)");
            }
            b.includeRetransmissions(v == 0);
        }
        return s;
    }

    private StoreSpec database(Section d) {
        String host = d.string("host", "the MySQL server's address");
        int port = d.has("port") ? d.integer("port", "the MySQL port") : 3306;
        String db = d.string("db", "the database's name");
        String url = NativeShape.noPassword(d, "db", "jdbc:mysql://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + port + "/" + db);
        Credentials c = null;
        if (d.has("user")) {
            String user = d.string("user");
            c = d.checked("user", () -> Credentials.of(user, Env.get(env, Credentials.PASSWORD_ENV)));
        }
        Credentials creds = c;
        return d.checked("host", () -> Stores.of(url, creds, Map.of()));
    }

    List<String> ignored() {
        return ignored;
    }
}
