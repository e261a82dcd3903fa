package io.latscope.config;

import io.latscope.Credentials;
import io.latscope.FlowKey;
import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Layer;
import io.latscope.Namespace;
import io.latscope.RedisSpec;
import io.latscope.SessionSpec;
import io.latscope.StoreSpec;
import io.latscope.SyncSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.store.Stores;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * LatScope's own YAML shape: one file whose sections mirror {@link SessionSpec} (see
 * docs/cli.md). Every value is checked where it is read, through the builder's own
 * validation, so an error points at the line that caused it.
 */
final class NativeShape {
    static final List<String> TOP = List.of("label", "hosts", "layers", "traffic", "sampling", "interval", "store",
            "redis", "sync");
    static final List<String> TRAFFIC = List.of("ports", "namespaces", "allNamespaces", "flows");
    static final List<String> SAMPLING = List.of("stride", "includeRetransmissions", "markerTimeout", "markerSampleEvery",
            "ringBufferBytes", "syscallBoundaries", "probeCost");
    static final List<String> SSH = List.of("ssh", "port", "user", "label", "key", "agent", "knownHosts",
            "trustUnknownHostKeys", "interfaces", "vmOf", "containerOf", "javaHome", "sudo", "connectTimeout");
    static final List<String> STORE = List.of("url", "user", "credentialsFile", "options");
    static final List<String> SYNC = List.of("method", "port", "probes", "interval", "timeout", "fitWindow",
            "authenticate", "reference");
    static final List<String> REFERENCE = List.of("namespace", "interface", "address");
    static final List<String> METHODS = List.of("xdp", "user-space", "none");

    private final Map<String, String> env;

    NativeShape(Map<String, String> env) {
        this.env = env;
    }

    SessionSpec read(YamlFile f) {
        Section top = f.top("");
        top.refuseSecrets("secrets go in the environment: " + Env.DB_INSTEAD + "; " + Env.REDIS_INSTEAD);
        top.requireKnown(TOP);
        LatScope.Builder b = LatScope.builder();
        if (top.has("label")) {
            String label = top.string("label");
            top.checked("label", () -> LatScope.builder().label(label).build());
            b.label(label);
        }
        hosts(top, b);
        for (Node n : top.list("layers")) {
            String name = top.scalarOf("layers", n);
            b.layers(top.checked(n, top.key("layers"), () -> Layer.parse(name)));
        }
        traffic(top.section("traffic"), b);
        sampling(top.section("sampling"), b);
        if (top.has("interval")) {
            Duration d = top.duration("interval", null);
            top.checked("interval", () -> LatScope.builder().interval(d).build());
            b.interval(d);
        }
        if (top.has("store")) {
            b.store(store(top));
        }
        if (top.has("redis")) {
            String url = top.string("redis");
            String pw = Env.get(env, RedisSpec.PASSWORD_ENV);
            top.checked("redis", () -> RedisSpec.parse(url, pw));
            b.redis(url, pw);
        }
        if (top.has("sync")) {
            Section s = top.section("sync");
            SyncSpec sync = sync(s);
            b.sync(sync);
        }
        return build(b, top, top.section("traffic"));
    }

    /** Builds, locating what only the whole spec can check (a namespace missing here, remote hosts without Redis). */
    static SessionSpec build(LatScope.Builder b, Section top, Section traffic) {
        try {
            return b.build();
        } catch (ConfigurationException e) {
            for (Node n : traffic.list("namespaces")) {
                if (n instanceof ScalarNode s && e.getMessage().contains("'" + s.getValue() + "'")) {
                    throw top.file().error(n, traffic.key("namespaces") + ": " + e.getMessage(), e);
                }
            }
            throw top.file().error(top.has("hosts") ? top.keyNode("hosts") : top.node(), e.getMessage(), e);
        }
    }

    private void hosts(Section top, LatScope.Builder b) {
        for (Node n : top.list("hosts")) {
            if (n instanceof ScalarNode s && s.getValue().equals("local")) {
                b.hosts(Host.local());
            } else if (n instanceof MappingNode) {
                Section h = Section.of(top.file(), n, top.key("hosts") + "[" + top.list("hosts").indexOf(n) + "]");
                b.hosts(ssh(h));
            } else {
                throw top.file().error(n, top.key("hosts") + ": a host is 'local' or a mapping with 'ssh: ADDRESS'"
                        + " (keys " + String.join(", ", SSH) + "), not " + Section.describe(n));
            }
        }
    }

    private Host ssh(Section h) {
        h.refuseSecrets(Env.SSH_INSTEAD);
        h.requireKnown(SSH);
        String address = h.string("ssh", "the host's address, e.g. ssh: 10.0.0.1");
        Host.Ssh s = h.checked("ssh", () -> Host.ssh(address));
        Host.Ssh[] r = {s};
        if (h.has("port")) {
            int port = h.integer("port", "the SSH port");
            r[0] = h.checked("port", () -> r[0].port(port));
        }
        if (h.has("user")) {
            String user = h.string("user");
            r[0] = h.checked("user", () -> r[0].user(user));
        }
        if (h.has("label")) {
            String label = h.string("label");
            r[0] = h.checked("label", () -> r[0].label(label));
        }
        if (h.has("key")) {
            String key = h.string("key");
            if (key.contains("PRIVATE KEY") || key.contains("\n")) {
                throw h.error("key", "takes the path of a private key file, not the key itself: secrets are not read"
                        + " from YAML files; " + Env.SSH_INSTEAD);
            }
            String pass = Env.get(env, Env.SSH_KEY_PASSPHRASE);
            r[0] = h.checked("key", () -> pass == null ? r[0].key(Path.of(key)) : r[0].key(Path.of(key), pass));
        }
        if (Boolean.TRUE.equals(h.bool("agent"))) {
            r[0] = r[0].agentAuth();
        }
        if (h.has("knownHosts")) {
            String file = h.string("knownHosts");
            r[0] = h.checked("knownHosts", () -> r[0].knownHosts(Path.of(file)));
        }
        if (Boolean.TRUE.equals(h.bool("trustUnknownHostKeys"))) {
            r[0] = r[0].trustUnknownHostKeys();
        }
        if (h.has("interfaces")) {
            List<String> ifs = h.strings("interfaces");
            r[0] = h.checked("interfaces", () -> r[0].interfaces(ifs.toArray(String[]::new)));
        }
        if (h.has("vmOf") && h.has("containerOf")) {
            throw h.error("containerOf", "a host is a VM (vmOf) or a container (containerOf) of another, not both");
        }
        if (h.has("vmOf")) {
            String p = h.string("vmOf");
            r[0] = h.checked("vmOf", () -> r[0].vmOf(p));
        }
        if (h.has("containerOf")) {
            String p = h.string("containerOf");
            r[0] = h.checked("containerOf", () -> r[0].containerOf(p));
        }
        if (h.has("javaHome")) {
            String j = h.string("javaHome");
            r[0] = h.checked("javaHome", () -> r[0].javaHome(j));
        }
        if (h.has("sudo")) {
            r[0] = r[0].sudo(h.bool("sudo"));
        }
        if (h.has("connectTimeout")) {
            Duration d = h.duration("connectTimeout", null);
            r[0] = h.checked("connectTimeout", () -> r[0].connectTimeout(d));
        }
        String pw = Env.get(env, Env.SSH_PASSWORD);
        return pw == null ? r[0] : r[0].password(pw);
    }

    private void traffic(Section t, LatScope.Builder b) {
        t.requireKnown(TRAFFIC);
        for (Node n : t.list("ports")) {
            int p = t.toInt("ports", n, "TCP port numbers 1..65535");
            t.checked(n, t.key("ports"), () -> LatScope.builder().ports(p).build());
            b.ports(p);
        }
        if (Boolean.TRUE.equals(t.bool("allNamespaces"))) {
            if (t.has("namespaces")) {
                throw t.error("allNamespaces", "choose either namespaces or allNamespaces: true, not both");
            }
            b.allNamespaces();
        }
        for (Node n : t.list("namespaces")) {
            Namespace ns = t.checked(n, t.key("namespaces"), () -> namespace(t, n));
            b.namespaces(ns);
        }
        for (Node n : t.list("flows")) {
            String text = t.scalarOf("flows", n);
            b.flows(t.checked(n, t.key("flows"), () -> flow(text)));
        }
    }

    static Namespace namespace(Section at, Node n) {
        if (n instanceof MappingNode) {
            Section s = Section.of(at.file(), n, at.key("namespaces"));
            s.requireKnown(List.of("name", "path"));
            return new Namespace(s.string("name", "a short name for reports"), Path.of(s.string("path", "its nsfs file")));
        }
        String name = at.scalarOf("namespaces", n);
        if (name.equals("self")) {
            return Namespace.current();
        }
        if (name.startsWith("pid:")) {
            try {
                return Namespace.ofPid(Long.parseLong(name.substring(4)));
            } catch (NumberFormatException e) {
                throw new ConfigurationException("'" + name + "' is not pid:NUMBER");
            }
        }
        return Namespace.named(name);
    }

    static FlowKey flow(String text) {
        int arrow = text.indexOf("->");
        if (arrow < 0) {
            throw new ConfigurationException("'" + text + "' is not a flow; write SRC:PORT->DST:PORT, e.g. 10.0.0.1:0->10.0.0.2:5001"
                    + " (port 0 = any; IPv6 in brackets)");
        }
        String[] a = endpoint(text, text.substring(0, arrow).strip());
        String[] d = endpoint(text, text.substring(arrow + 2).strip());
        try {
            return new FlowKey(InetAddress.ofLiteral(a[0]), Integer.parseInt(a[1]), InetAddress.ofLiteral(d[0]),
                    Integer.parseInt(d[1]));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("'" + text + "' is not a flow: " + e.getMessage()
                    + "; write SRC:PORT->DST:PORT with IP addresses");
        }
    }

    private static String[] endpoint(String text, String s) {
        int c = s.lastIndexOf(':');
        if (c < 0) {
            throw new ConfigurationException("'" + text + "': '" + s + "' has no port; write ADDRESS:PORT (0 = any port)");
        }
        String addr = s.substring(0, c);
        if (addr.startsWith("[") && addr.endsWith("]")) {
            addr = addr.substring(1, addr.length() - 1);
        }
        return new String[] {addr, s.substring(c + 1)};
    }

    private static void sampling(Section s, LatScope.Builder b) {
        s.requireKnown(SAMPLING);
        if (s.has("stride")) {
            int v = s.integer("stride", "a power of two, in bytes");
            s.checked("stride", () -> LatScope.builder().stride(v).build());
            b.stride(v);
        }
        if (s.has("includeRetransmissions")) {
            b.includeRetransmissions(s.bool("includeRetransmissions"));
        }
        if (s.has("markerTimeout")) {
            Duration d = s.duration("markerTimeout", null);
            s.checked("markerTimeout", () -> LatScope.builder().markerTimeout(d).build());
            b.markerTimeout(d);
        }
        if (s.has("markerSampleEvery")) {
            int v = s.integer("markerSampleEvery", "store one marker record in N; 0 = none");
            s.checked("markerSampleEvery", () -> LatScope.builder().markerSampleEvery(v).build());
            b.markerSampleEvery(v);
        }
        if (s.has("ringBufferBytes")) {
            int v = s.integer("ringBufferBytes", "a power of two of at least 65536");
            s.checked("ringBufferBytes", () -> LatScope.builder().ringBufferBytes(v).build());
            b.ringBufferBytes(v);
        }
        if (s.has("syscallBoundaries")) {
            b.syscallBoundaries(s.bool("syscallBoundaries"));
        }
        if (s.has("probeCost")) {
            b.probeCost(s.bool("probeCost"));
        }
    }

    private StoreSpec store(Section top) {
        Node v = top.value("store").orElseThrow();
        if (v instanceof ScalarNode) {
            String url = noPassword(top, "store", top.string("store"));
            return top.checked("store", () -> Stores.of(url));
        }
        Section s = top.section("store");
        s.refuseSecrets(Env.DB_INSTEAD);
        s.requireKnown(STORE);
        String url = noPassword(s, "url", s.string("url", "the store's URL, e.g. jdbc:mysql://127.0.0.1:3306/latscope or memory:NAME"));
        Credentials c = null;
        if (s.has("user") && s.has("credentialsFile")) {
            throw s.error("credentialsFile", "give either user (password from " + Credentials.PASSWORD_ENV
                    + ") or credentialsFile, not both");
        }
        if (s.has("user")) {
            String user = s.string("user");
            c = s.checked("user", () -> Credentials.of(user, Env.get(env, Credentials.PASSWORD_ENV)));
        } else if (s.has("credentialsFile")) {
            String file = s.string("credentialsFile");
            c = s.checked("credentialsFile", () -> Credentials.fromFile(Path.of(file)));
        }
        Map<String, String> options = new LinkedHashMap<>();
        Section o = s.section("options");
        o.refuseSecrets(Env.DB_INSTEAD);
        for (String k : o.keys()) {
            options.put(k, o.string(k));
        }
        Credentials creds = c;
        return s.checked("url", () -> Stores.of(url, creds, options));
    }

    static String noPassword(Section s, String key, String url) {
        if (!StoreSpec.redact(url).equals(url)) {
            throw s.error(key, "the URL '" + StoreSpec.redact(url) + "' carries a password: secrets are not read from"
                    + " YAML files; " + Env.DB_INSTEAD);
        }
        return url;
    }

    static SyncSpec sync(Section s) {
        s.requireKnown(SYNC);
        String method = s.has("method") ? s.string("method").toLowerCase(Locale.ROOT).replace('_', '-') : "xdp";
        SyncSpec[] r = new SyncSpec[1];
        r[0] = switch (method) {
            case "xdp" -> SyncSpec.xdp();
            case "user-space", "userspace" -> SyncSpec.userSpace();
            case "none" -> SyncSpec.none();
            default -> throw s.error("method", "unknown sync method '" + s.string("method") + "'; methods: "
                    + String.join(", ", METHODS));
        };
        if (s.has("port")) {
            int v = s.integer("port", "a UDP port");
            r[0] = s.checked("port", () -> r[0].withPort(v));
        }
        if (s.has("probes")) {
            int v = s.integer("probes", "probes per round");
            r[0] = s.checked("probes", () -> r[0].withProbes(v));
        }
        if (s.has("interval")) {
            Duration d = s.duration("interval", null);
            r[0] = s.checked("interval", () -> r[0].withInterval(d));
        }
        if (s.has("timeout")) {
            Duration d = s.duration("timeout", null);
            r[0] = s.checked("timeout", () -> r[0].withTimeout(d));
        }
        if (s.has("fitWindow")) {
            Duration d = s.duration("fitWindow", null);
            r[0] = s.checked("fitWindow", () -> r[0].withFitWindow(d));
        }
        if (s.has("authenticate")) {
            r[0] = r[0].withAuthentication(s.bool("authenticate"));
        }
        if (s.has("reference")) {
            Section ref = s.section("reference");
            ref.requireKnown(REFERENCE);
            Namespace ns = ref.has("namespace")
                    ? ref.checked("namespace", () -> namespace(ref, ref.value("namespace").orElseThrow()))
                    : Namespace.current();
            String ifname = ref.string("interface", "the controller's interface towards the hosts, e.g. eth1");
            String address = ref.string("address", "the controller's address as the hosts see it");
            SyncSpec.Reference reference = ref.checked("address", () -> new SyncSpec.Reference(ns, ifname, address));
            r[0] = r[0].withReference(reference);
        }
        return r[0];
    }
}
