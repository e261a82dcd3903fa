package io.latscope;

import io.latscope.bpf.NetNs;
import io.latscope.error.ConfigurationException;
import io.latscope.store.StoreSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Entry point. Where does latency go between an application's write and the peer's read?
 *
 * <pre>{@code
 * try (LatScopeSession s = LatScope.builder()
 *         .layers(SOCKET, TCP, IP, DEV, VETH)
 *         .ports(5001)
 *         .namespaces("client", "server")
 *         .start()) {
 *     runLoad();
 *     System.out.println(s.snapshot());
 * }
 * }</pre>
 */
public final class LatScope {
    /**
     * Default marker stride: one marker per 256 KiB of each flow. Chosen by benchmark
     * (docs/benchmarks.md): at 64 KiB nearly every GSO segment of a bulk flow carries a
     * marker and probes cost 2–4.5× an empty program; at 256 KiB most probes are near 2×,
     * with 4× the samples of 1 MiB. Smaller strides suit request/response traffic.
     */
    public static final int DEFAULT_STRIDE = 1 << 18;
    /** Default ring buffer: 16 MiB, about 230 000 events of slack for a busy or descheduled agent. */
    public static final int DEFAULT_RING_BYTES = 16 << 20;

    private LatScope() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a session's settings; {@link #build()} validates them into a {@link SessionSpec}. */
    public static final class Builder {
        private final List<Host> hosts = new ArrayList<>();
        private final Set<Layer> layers = EnumSet.noneOf(Layer.class);
        private final List<String> layerNames = new ArrayList<>();
        private final Set<Integer> ports = new LinkedHashSet<>();
        private final List<Object> namespaces = new ArrayList<>();
        private boolean allNamespaces;
        private final List<FlowKey> flows = new ArrayList<>();
        private int stride = DEFAULT_STRIDE;
        private boolean includeRetransmissions;
        private Duration interval = Duration.ofSeconds(1);
        private Duration markerTimeout = Duration.ofSeconds(2);
        private boolean probeCost = true;
        private StoreSpec store;
        private String label = "";
        private int markerSampleEvery = 100;
        private Consumer<MarkerPath> markerListener;
        private int ringBufferBytes = DEFAULT_RING_BYTES;
        private boolean syscallBoundaries = true;
        private String redisUrl;
        private String redisPassword;
        private io.latscope.sync.SyncStrategy sync = io.latscope.sync.Sync.none();
        private io.latscope.sync.SyncHost syncReference;

        private Builder() {
        }

        public Builder hosts(Host... hosts) {
            this.hosts.addAll(Arrays.asList(hosts));
            return this;
        }

        public Builder layers(Layer... layers) {
            this.layers.addAll(Arrays.asList(layers));
            return this;
        }

        /** Layers by name ("SOCKET", "tcp", …); unknown names fail at {@link #build()}. */
        public Builder layers(String... names) {
            layerNames.addAll(Arrays.asList(names));
            return this;
        }

        /** TCP ports of interest, on either end of a connection. */
        public Builder ports(int... ports) {
            for (int p : ports) {
                this.ports.add(p);
            }
            return this;
        }

        /** Namespaces by {@code ip netns} name; default: the caller's own namespace. */
        public Builder namespaces(String... names) {
            namespaces.addAll(Arrays.asList(names));
            return this;
        }

        public Builder namespaces(NetNs... namespaces) {
            this.namespaces.addAll(Arrays.asList(namespaces));
            return this;
        }

        /** Count traffic in every network namespace. */
        public Builder allNamespaces() {
            this.allNamespaces = true;
            return this;
        }

        /** Only these flows, in either direction; a port of 0 matches any port. */
        public Builder flows(FlowKey... flows) {
            this.flows.addAll(Arrays.asList(flows));
            return this;
        }

        /** Marker stride in bytes: a power of two; smaller samples more bytes at more cost. */
        public Builder stride(int bytes) {
            this.stride = bytes;
            return this;
        }

        public Builder includeRetransmissions(boolean include) {
            this.includeRetransmissions = include;
            return this;
        }

        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        public Builder markerTimeout(Duration timeout) {
            this.markerTimeout = timeout;
            return this;
        }

        /**
         * Whether reports carry each probe's own run time (default on). It comes from the
         * kernel's bpf_stats, which while enabled times every BPF program run on the host
         * (two clock reads each); the session keeps it on in sampling windows (from the
         * start, then every 30 s, each until 50 000 runs were timed or 5 s passed), so the
         * mean is over a sample (docs/benchmarks.md has what it costs).
         */
        public Builder probeCost(boolean measure) {
            this.probeCost = measure;
            return this;
        }

        public Builder store(StoreSpec store) {
            this.store = store;
            return this;
        }

        public Builder label(String label) {
            this.label = label;
            return this;
        }

        public Builder markerSampleEvery(int n) {
            this.markerSampleEvery = n;
            return this;
        }

        /** Ring buffer between the probes and the agent, in bytes: a power of two, at least 64 KiB. */
        public Builder ringBufferBytes(int bytes) {
            this.ringBufferBytes = bytes;
            return this;
        }

        /**
         * Whether the socket hops start and end at the application's system calls (default),
         * or at the kernel's copies into and out of the socket; see {@link SessionSpec}. At
         * the system calls END_TO_END also holds the write's way from its entry to the copy
         * and the read's way back out. The price: every system call of every process on the
         * host runs two small programs and takes the kernel's traced path — within the noise
         * of {@code ThroughputBench} (+0.6 % CPU per GB, docs/benchmarks.md).
         */
        public Builder syscallBoundaries(boolean atSystemCalls) {
            this.syscallBoundaries = atSystemCalls;
            return this;
        }

        /** Redis for remote hosts' agents, {@code redis://host:port/db}; password from LATSCOPE_REDIS_PASSWORD. */
        public Builder redis(String url) {
            this.redisUrl = url;
            return this;
        }

        /** Redis for remote hosts' agents, with its password (never printed or stored in Redis). */
        public Builder redis(String url, String password) {
            this.redisUrl = url;
            this.redisPassword = password;
            return this;
        }

        /** How remote hosts' clocks are synced to the controller's, e.g. {@code Sync.xdp()}. */
        public Builder sync(io.latscope.sync.SyncStrategy strategy) {
            this.sync = strategy;
            return this;
        }

        /** The controller's end of clock sync: a namespace of this machine, an interface in it, its address. */
        public Builder syncReference(NetNs ns, String ifname, String address) {
            this.syncReference = io.latscope.sync.SyncHost.of("controller", ns, ifname, address);
            return this;
        }

        public Builder markerListener(Consumer<MarkerPath> listener) {
            this.markerListener = listener;
            return this;
        }

        /** Validates everything and returns the immutable spec. */
        public SessionSpec build() {
            Set<Layer> ls = EnumSet.noneOf(Layer.class);
            ls.addAll(layers);
            for (String n : layerNames) {
                ls.add(Layer.parse(n));
            }
            if (ls.isEmpty()) {
                ls.addAll(EnumSet.allOf(Layer.class));
            }
            for (int p : ports) {
                if (p < 1 || p > 65535) {
                    throw new ConfigurationException("port " + p + " is out of range 1..65535");
                }
            }
            if (stride < 1 || Integer.bitCount(stride) != 1 || stride > (1 << 30)) {
                throw new ConfigurationException("stride " + stride + " must be a power of two between 1 and 2^30 bytes");
            }
            if (ringBufferBytes < (64 << 10) || Integer.bitCount(ringBufferBytes) != 1) {
                throw new ConfigurationException("ring buffer size " + ringBufferBytes
                        + " must be a power of two of at least 64 KiB");
            }
            requirePositive(interval, "interval");
            requirePositive(markerTimeout, "markerTimeout");
            if (markerSampleEvery < 0) {
                throw new ConfigurationException("markerSampleEvery must be >= 0");
            }
            if (allNamespaces && !namespaces.isEmpty()) {
                throw new ConfigurationException("choose either namespaces(...) or allNamespaces(), not both");
            }
            List<NetNs> ns = new ArrayList<>();
            for (Object o : namespaces) {
                ns.add(o instanceof NetNs n ? n : NetNs.named(Objects.toString(o)));
            }
            if (ns.isEmpty() && !allNamespaces) {
                ns.add(NetNs.current());
            }
            List<Host> hs = hosts.isEmpty() ? List.of(Host.local()) : hosts;
            boolean remote = hs.stream().anyMatch(h -> !(h instanceof Host.Local));
            if (remote && redisUrl == null) {
                throw new ConfigurationException("remote hosts report through Redis: set redis(\"redis://host:port/db\")"
                        + " to an address every host can reach");
            }
            if (remote && sync.kind() != io.latscope.sync.SyncStrategy.Kind.NONE && syncReference == null) {
                throw new ConfigurationException("clock sync needs the controller's interface: set syncReference(ns, ifname, address)");
            }
            if (redisUrl != null) {
                io.latscope.transport.RedisEndpoint.parse(redisUrl, redisPassword); // fail early on a bad URL
            }
            return new SessionSpec(hs, ls, ports, ns, allNamespaces, flows, stride, includeRetransmissions, interval,
                    markerTimeout, probeCost, store, label, markerSampleEvery, markerListener, ringBufferBytes,
                    syscallBoundaries, redisUrl, Secret.of(redisPassword), sync, syncReference);
        }

        /** {@code build().start()}. */
        public LatScopeSession start() {
            return build().start();
        }

        private static void requirePositive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new ConfigurationException(what + " must be a positive duration, got " + d);
            }
        }
    }
}
