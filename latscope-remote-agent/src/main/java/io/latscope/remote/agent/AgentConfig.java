package io.latscope.remote.agent;

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
 * What a remote agent measures, where it reports and the secrets it needs (the Redis
 * password, the clock-sync key). It reaches the agent as one line on its standard input
 * ({@link #encode()}), never on its command line or in its environment, where other users
 * of the host could read it ({@code /proc/<pid>/cmdline}, {@code ps}); {@link #toString()}
 * masks the secrets.
 *
 * @param controllerTimeout how long the controller's lease may be missing from a reachable
 *                          Redis before the agent stops (the controller is gone)
 * @param outageBudget      how long into an outage the agent keeps records
 * @param memoryBytes       records kept in memory at most, in bytes
 * @param spillBytes        records kept in the spill file at most, in bytes (0: none)
 */
public record AgentConfig(String session, String host, Set<Layer> layers, Set<Integer> ports, List<String> namespaces,
                          boolean allNamespaces, int strideBytes, Duration interval, Duration markerTimeout,
                          boolean probeCost, boolean syscallBoundaries, int ringBufferBytes, String redisUrl,
                          String redisPassword, Duration controllerTimeout, int maxBufferedRecords, Duration outageBudget,
                          long memoryBytes, long spillBytes, SyncSettings sync, List<io.latscope.FlowKey> flows) {

    /**
     * What the agent's clock-sync responder needs: the strategy's wire settings, the
     * session key (shared secret of the probes' MAC), and the interface and address to
     * answer on. Null when the session does not sync clocks. The reference's machine (boot
     * id), namespace inode and interface let an agent on the controller's own kernel see
     * that its interface's veth peer is the controller's, whose sync program serves it
     * (null / 0 when unknown).
     */
    public record SyncSettings(SyncStrategy.Kind kind, XdpStamps stamps, int port, XdpMode xdpMode, boolean authenticate,
                               String key, String ifname, String address, String referenceBootId,
                               long referenceNetnsInode, String referenceIfname) {
        public static SyncSettings of(SyncStrategy s, SessionKey key, SyncHost host, SyncHost reference) {
            if (s.kind() == SyncStrategy.Kind.NONE) {
                return null;
            }
            return new SyncSettings(s.kind(), s.stamps(), s.port(), s.xdpMode(), s.authenticate(), key.encode(),
                    host.ifname(), host.address().getHostAddress(), reference == null ? null : bootId(),
                    reference == null ? 0 : reference.netns().inode(), reference == null ? null : reference.ifname());
        }

        /**
         * The controller's sync interface as this agent sees it, when both run on one kernel
         * (the same boot id): a host of the session whose program serves that interface.
         */
        public java.util.Optional<SyncHost> referenceOnThisKernel() {
            if (referenceBootId == null || referenceIfname == null || !referenceBootId.equals(bootId())) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(SyncHost.of("controller", new io.latscope.bpf.NetNs("controller", null,
                    referenceNetnsInode), referenceIfname, address));
        }

        /** This kernel's boot id: the same for every namespace of one running kernel. */
        static String bootId() {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/random/boot_id")).strip();
            } catch (IOException e) {
                return null;
            }
        }

        public SyncStrategy strategy() {
            SyncStrategy base = kind == SyncStrategy.Kind.XDP ? Sync.xdp() : Sync.userSpace();
            return base.withPort(port).withStamps(stamps).withXdpMode(xdpMode).withAuthentication(authenticate);
        }

        @Override
        public String toString() {
            return "SyncSettings[" + kind + ", " + stamps + ", port " + port + ", " + xdpMode + ", authenticate "
                    + authenticate + ", key ****, " + ifname + ", " + address + "]";
        }
    }

    @Override
    public String toString() {
        return "AgentConfig[session " + session + ", host " + host + ", layers " + layers + ", ports " + ports
                + ", redis " + redisUrl + (redisPassword == null ? "" : " (password ****)") + ", outage budget "
                + outageBudget + ", sync " + sync + "]";
    }

    /** In {@link #namespaces()}: the agent's own namespace (any other name is an {@code ip netns} name). */
    public static final String OWN_NAMESPACE = "self";

    public AgentConfig {
        layers = Set.copyOf(layers);
        ports = Set.copyOf(ports);
        namespaces = List.copyOf(namespaces);
        flows = flows == null ? List.of() : List.copyOf(flows);
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
        if (redisPassword != null) {
            p.setProperty("redisPassword", redisPassword);
        }
        p.setProperty("controllerTimeoutMs", Long.toString(controllerTimeout.toMillis()));
        p.setProperty("maxBuffered", Integer.toString(maxBufferedRecords));
        p.setProperty("outageBudgetMs", Long.toString(outageBudget.toMillis()));
        p.setProperty("memoryBytes", Long.toString(memoryBytes));
        p.setProperty("spillBytes", Long.toString(spillBytes));
        p.setProperty("flows", flows.stream().map(f -> f.src().getHostAddress() + "|" + f.srcPort() + "|"
                + f.dst().getHostAddress() + "|" + f.dstPort()).collect(Collectors.joining(";")));
        if (sync != null) {
            p.setProperty("sync.kind", sync.kind().name());
            p.setProperty("sync.stamps", sync.stamps().name());
            p.setProperty("sync.port", Integer.toString(sync.port()));
            p.setProperty("sync.xdpMode", sync.xdpMode().name());
            p.setProperty("sync.authenticate", Boolean.toString(sync.authenticate()));
            p.setProperty("sync.key", sync.key());
            p.setProperty("sync.ifname", sync.ifname());
            p.setProperty("sync.address", sync.address());
            if (sync.referenceBootId() != null && sync.referenceIfname() != null) {
                p.setProperty("sync.referenceBootId", sync.referenceBootId());
                p.setProperty("sync.referenceNetns", Long.toString(sync.referenceNetnsInode()));
                p.setProperty("sync.referenceIfname", sync.referenceIfname());
            }
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
                    Integer.parseInt(p.getProperty("ringBytes")), p.getProperty("redis"), p.getProperty("redisPassword"),
                    Duration.ofMillis(Long.parseLong(p.getProperty("controllerTimeoutMs"))),
                    Integer.parseInt(p.getProperty("maxBuffered")),
                    Duration.ofMillis(Long.parseLong(p.getProperty("outageBudgetMs"))),
                    Long.parseLong(p.getProperty("memoryBytes")), Long.parseLong(p.getProperty("spillBytes")),
                    p.getProperty("sync.kind") == null ? null : new SyncSettings(
                            SyncStrategy.Kind.valueOf(p.getProperty("sync.kind")), XdpStamps.valueOf(p.getProperty("sync.stamps")),
                            Integer.parseInt(p.getProperty("sync.port")), XdpMode.valueOf(p.getProperty("sync.xdpMode")),
                            Boolean.parseBoolean(p.getProperty("sync.authenticate")), p.getProperty("sync.key"),
                            p.getProperty("sync.ifname"), p.getProperty("sync.address"),
                            p.getProperty("sync.referenceBootId"), Long.parseLong(p.getProperty("sync.referenceNetns", "0")),
                            p.getProperty("sync.referenceIfname")),
                    flows(p.getProperty("flows")));
        } catch (IOException | RuntimeException e) {
            // the text holds secrets: name the problem, never the text
            throw new ConfigurationException("invalid agent configuration (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static List<io.latscope.FlowKey> flows(String s) {
        if (s == null || s.isBlank()) {
            return List.of();
        }
        List<io.latscope.FlowKey> out = new java.util.ArrayList<>();
        for (String f : s.split(";")) {
            String[] p = f.split("\\|");
            out.add(new io.latscope.FlowKey(java.net.InetAddress.ofLiteral(p[0]), Integer.parseInt(p[1]),
                    java.net.InetAddress.ofLiteral(p[2]), Integer.parseInt(p[3])));
        }
        return out;
    }

    private static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.stream(s.split(",")).map(String::strip).toList();
    }
}
