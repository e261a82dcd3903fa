package io.latscope.remote;

import io.latscope.Layer;
import io.latscope.bpf.XdpMode;
import io.latscope.error.ConfigurationException;
import io.latscope.sync.SessionKey;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.sync.SyncStrategy;
import io.latscope.sync.XdpStamps;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a remote agent measures and where it reports, passed on its command line (no
 * secrets: the Redis password travels in the environment).
 */
public record AgentConfig(String session, String host, Set<Layer> layers, Set<Integer> ports, List<String> namespaces,
                          boolean allNamespaces, int strideBytes, Duration interval, Duration markerTimeout,
                          boolean probeCost, boolean syscallBoundaries, int ringBufferBytes, String redisUrl,
                          Duration controllerTimeout, int maxBufferedRecords, SyncSettings sync) {

    /**
     * What the agent's clock-sync responder needs: the strategy's wire settings, the
     * session key (shared secret of the probes' MAC), and the interface and address to
     * answer on. Null when the session does not sync clocks.
     */
    public record SyncSettings(SyncStrategy.Kind kind, XdpStamps stamps, int port, XdpMode xdpMode, boolean authenticate,
                               String key, String ifname, String address) {
        public static SyncSettings of(SyncStrategy s, SessionKey key, SyncHost host) {
            if (s.kind() == SyncStrategy.Kind.NONE) {
                return null;
            }
            return new SyncSettings(s.kind(), s.stamps(), s.port(), s.xdpMode(), s.authenticate(), key.encode(),
                    host.ifname(), host.address().getHostAddress());
        }

        public SyncStrategy strategy() {
            SyncStrategy base = kind == SyncStrategy.Kind.XDP ? Sync.xdp() : Sync.userSpace();
            return base.withPort(port).withStamps(stamps).withXdpMode(xdpMode).withAuthentication(authenticate);
        }
    }

    public AgentConfig {
        layers = Set.copyOf(layers);
        ports = Set.copyOf(ports);
        namespaces = List.copyOf(namespaces);
    }

    public String encode() {
        Properties p = new Properties();
        p.setProperty("session", session);
        p.setProperty("host", host);
        p.setProperty("layers", layers.stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
        p.setProperty("ports", ports.stream().map(String::valueOf).collect(Collectors.joining(",")));
        p.setProperty("namespaces", String.join(",", namespaces));
        p.setProperty("allNamespaces", Boolean.toString(allNamespaces));
        p.setProperty("stride", Integer.toString(strideBytes));
        p.setProperty("intervalMs", Long.toString(interval.toMillis()));
        p.setProperty("markerTimeoutMs", Long.toString(markerTimeout.toMillis()));
        p.setProperty("probeCost", Boolean.toString(probeCost));
        p.setProperty("syscallBoundaries", Boolean.toString(syscallBoundaries));
        p.setProperty("ringBytes", Integer.toString(ringBufferBytes));
        p.setProperty("redis", redisUrl);
        p.setProperty("controllerTimeoutMs", Long.toString(controllerTimeout.toMillis()));
        p.setProperty("maxBuffered", Integer.toString(maxBufferedRecords));
        if (sync != null) {
            p.setProperty("sync.kind", sync.kind().name());
            p.setProperty("sync.stamps", sync.stamps().name());
            p.setProperty("sync.port", Integer.toString(sync.port()));
            p.setProperty("sync.xdpMode", sync.xdpMode().name());
            p.setProperty("sync.authenticate", Boolean.toString(sync.authenticate()));
            p.setProperty("sync.key", sync.key());
            p.setProperty("sync.ifname", sync.ifname());
            p.setProperty("sync.address", sync.address());
        }
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(w.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static AgentConfig decode(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8)));
            Set<Layer> layers = EnumSet.noneOf(Layer.class);
            for (String l : split(p.getProperty("layers"))) {
                layers.add(Layer.parse(l));
            }
            return new AgentConfig(p.getProperty("session"), p.getProperty("host"), layers,
                    split(p.getProperty("ports")).stream().map(Integer::valueOf).collect(Collectors.toSet()),
                    split(p.getProperty("namespaces")), Boolean.parseBoolean(p.getProperty("allNamespaces")),
                    Integer.parseInt(p.getProperty("stride")), Duration.ofMillis(Long.parseLong(p.getProperty("intervalMs"))),
                    Duration.ofMillis(Long.parseLong(p.getProperty("markerTimeoutMs"))),
                    Boolean.parseBoolean(p.getProperty("probeCost")), Boolean.parseBoolean(p.getProperty("syscallBoundaries")),
                    Integer.parseInt(p.getProperty("ringBytes")), p.getProperty("redis"),
                    Duration.ofMillis(Long.parseLong(p.getProperty("controllerTimeoutMs"))),
                    Integer.parseInt(p.getProperty("maxBuffered")),
                    p.getProperty("sync.kind") == null ? null : new SyncSettings(
                            SyncStrategy.Kind.valueOf(p.getProperty("sync.kind")), XdpStamps.valueOf(p.getProperty("sync.stamps")),
                            Integer.parseInt(p.getProperty("sync.port")), XdpMode.valueOf(p.getProperty("sync.xdpMode")),
                            Boolean.parseBoolean(p.getProperty("sync.authenticate")), p.getProperty("sync.key"),
                            p.getProperty("sync.ifname"), p.getProperty("sync.address")));
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException("invalid agent configuration: " + e.getMessage(), e);
        }
    }

    private static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.stream(s.split(",")).map(String::strip).toList();
    }
}
