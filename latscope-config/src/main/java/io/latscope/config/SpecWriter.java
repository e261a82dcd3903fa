package io.latscope.config;

import io.latscope.FlowKey;
import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Layer;
import io.latscope.Namespace;
import io.latscope.SessionSpec;
import io.latscope.StoreSpec;
import io.latscope.SyncSpec;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A spec as LatScope's own YAML shape; never writes a secret. */
final class SpecWriter {
    private SpecWriter() {
    }

    static String write(SessionSpec spec) {
        Map<String, Object> top = new LinkedHashMap<>();
        if (!spec.label().isEmpty()) {
            top.put("label", spec.label());
        }
        if (!spec.isLocal() || spec.hosts().size() > 1) {
            List<Object> hosts = new ArrayList<>();
            for (Host h : spec.hosts()) {
                hosts.add(h instanceof Host.Ssh s ? ssh(s) : "local");
            }
            top.put("hosts", hosts);
        }
        top.put("layers", new TreeSet<>(spec.layers()).stream().map(Layer::name).toList());
        Map<String, Object> traffic = new LinkedHashMap<>();
        if (!spec.traffic().ports().isEmpty()) {
            traffic.put("ports", List.copyOf(new TreeSet<>(spec.traffic().ports())));
        }
        if (spec.traffic().allNamespaces()) {
            traffic.put("allNamespaces", true);
        } else {
            traffic.put("namespaces", spec.traffic().namespaces().stream().map(SpecWriter::namespace).toList());
        }
        if (!spec.traffic().flows().isEmpty()) {
            traffic.put("flows", spec.traffic().flows().stream().map(FlowKey::toString).toList());
        }
        top.put("traffic", traffic);
        SessionSpec.Sampling s = spec.sampling();
        Map<String, Object> sampling = new LinkedHashMap<>();
        sampling.put("stride", s.strideBytes());
        sampling.put("includeRetransmissions", s.includeRetransmissions());
        sampling.put("markerTimeout", duration(s.markerTimeout()));
        sampling.put("markerSampleEvery", s.markerSampleEvery());
        sampling.put("ringBufferBytes", s.ringBufferBytes());
        sampling.put("syscallBoundaries", s.syscallBoundaries());
        sampling.put("probeCost", s.probeCost());
        top.put("sampling", sampling);
        top.put("interval", duration(spec.interval()));
        if (spec.store() != null) {
            top.put("store", store(spec.store()));
        }
        if (spec.redis() != null) {
            top.put("redis", spec.redis().url());
        }
        if (spec.sync().method() != SyncSpec.Method.NONE || !spec.sync().equals(SyncSpec.none())) {
            top.put("sync", sync(spec.sync()));
        }
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2)
                .setIndicatorIndent(2).setIndentWithIndicator(true).build();
        return "# LatScope session spec (docs/cli.md); secrets come from the environment, never from this file\n"
                + new Dump(settings).dumpToString(top);
    }

    private static Map<String, Object> ssh(Host.Ssh s) {
        Host.Ssh d = Host.ssh(s.address());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ssh", s.address());
        m.put("port", s.port());
        m.put("user", s.user());
        if (!s.label().equals(s.address())) {
            m.put("label", s.label());
        }
        if (s.key() != null) {
            m.put("key", s.key().toString());
        }
        if (s.useAgent()) {
            m.put("agent", true);
        }
        if (!s.knownHosts().equals(d.knownHosts())) {
            m.put("knownHosts", s.knownHosts().toString());
        }
        if (s.trustsUnknownHostKeys()) {
            m.put("trustUnknownHostKeys", true);
        }
        if (!s.interfaces().isEmpty()) {
            m.put("interfaces", s.interfaces());
        }
        if (s.parent() != null) {
            m.put(s.parent().relation() == Host.Relation.VM ? "vmOf" : "containerOf", s.parent().label());
        }
        if (s.javaHome() != null) {
            m.put("javaHome", s.javaHome());
        }
        if (s.sudo()) {
            m.put("sudo", true);
        }
        if (!s.connectTimeout().equals(d.connectTimeout())) {
            m.put("connectTimeout", duration(s.connectTimeout()));
        }
        return m;
    }

    static Object namespace(Namespace n) {
        if (n.isCurrent()) {
            return "self";
        }
        if (n.equals(Namespace.named(n.name()))) {
            return n.name();
        }
        if (n.name().startsWith("pid:") && n.path().equals(Path.of("/proc/" + n.name().substring(4) + "/ns/net"))) {
            return n.name();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("path", n.path().toString());
        return m;
    }

    private static Object store(StoreSpec s) {
        if (s.credentials() == null && s.options().isEmpty()) {
            return s.url();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", s.url());
        if (s.credentials() != null) {
            m.put("user", s.credentials().user());
        }
        if (!s.options().isEmpty()) {
            m.put("options", new LinkedHashMap<>(s.options()));
        }
        return m;
    }

    private static Map<String, Object> sync(SyncSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", switch (s.method()) {
            case XDP -> "xdp";
            case USER_SPACE -> "user-space";
            case NONE -> "none";
        });
        m.put("port", s.port());
        m.put("probes", s.probes());
        m.put("interval", duration(s.interval()));
        m.put("timeout", duration(s.timeout()));
        m.put("fitWindow", duration(s.fitWindow()));
        m.put("authenticate", s.authenticate());
        if (s.reference() != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("namespace", namespace(s.reference().namespace()));
            r.put("interface", s.reference().ifname());
            r.put("address", s.reference().address());
            m.put("reference", r);
        }
        return m;
    }

    /** The largest unit that writes the duration exactly: 2s, 250ms, 1500us, 7ns. */
    static String duration(Duration d) {
        long n = d.toNanos();
        if (n % 1_000_000_000L == 0) {
            return n / 1_000_000_000L + "s";
        }
        if (n % 1_000_000L == 0) {
            return n / 1_000_000L + "ms";
        }
        if (n % 1_000L == 0) {
            return n / 1_000L + "us";
        }
        return n + "ns";
    }

    static int defaultStride() {
        return LatScope.DEFAULT_STRIDE;
    }
}
