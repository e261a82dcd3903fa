package io.latscope;

import io.latscope.error.ConfigurationException;
import io.latscope.StoreSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.ServiceLoader;

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
    /** Longest session label, in characters. */
    public static final int MAX_LABEL = 200;

    private LatScope() {
    }

    /**
     * Starts describing a session. With nothing set it measures every layer of every TCP flow
     * in the caller's network namespace on this host.
     *
     * @return a builder with every default
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What keeps LatScope from measuring on this machine, checked without attaching anything
     * (no BPF or BTF, missing privileges, no engine on the class path); empty when a session
     * on this host can start.
     *
     * @return one line per problem, each saying what to do
     */
    public static List<String> problems() {
        SessionSpec local = builder().build();
        for (SessionProvider p : ServiceLoader.load(SessionProvider.class)) {
            if (p.supports(local)) {
                return p.problems();
            }
        }
        return List.of("no LatScope engine on the class path: add the dependency io.latscope:latscope-agent");
    }

    /**
     * What this machine offers a session of {@code spec}, checked before anything of the
     * session is attached: kernel, BTF, privileges, program types, and for each probe point
     * the hook it would use here and why (what {@code latscope doctor} prints).
     *
     * @param spec the session's spec
     * @return the diagnosis; a missing engine is one failed check
     */
    public static Diagnosis diagnose(SessionSpec spec) {
        for (SessionProvider p : ServiceLoader.load(SessionProvider.class)) {
            if (p.supports(spec)) {
                return p.diagnose(spec);
            }
        }
        return new Diagnosis(List.of(new Diagnosis.Check("engine", Diagnosis.Status.MISSING,
                "no LatScope engine on the class path: add the dependency io.latscope:latscope-agent")), List.of());
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
        private int ringBufferBytes = DEFAULT_RING_BYTES;
        private boolean syscallBoundaries = true;
        private RedisSpec redis;
        private java.time.Duration outageBudget;
        private Long outageSpillBytes;
        private SyncSpec sync = SyncSpec.none();
        private SyncSpec.Reference syncReference;

        private Builder() {
        }

        /**
         * Hosts to probe (added to those given before); default {@link Host#local()} only.
         * Any remote host needs {@link #redis(String)}, and clock sync needs
         * {@link #syncReference(Namespace, String, String)}.
         *
         * @param hosts e.g. {@code Host.ssh("10.0.0.2")}
         * @return this builder
         */
        public Builder hosts(Host... hosts) {
            this.hosts.addAll(elements(hosts, "hosts", "a host"));
            return this;
        }

        /**
         * Layers whose boundaries are timestamped (added to those given before); default: every
         * layer. Fewer layers mean fewer probes and coarser hops.
         *
         * @param layers e.g. {@code SOCKET, TCP, DEV}
         * @return this builder
         */
        public Builder layers(Layer... layers) {
            List<Layer> ls = elements(layers, "layers", "a layer; layers are " + List.of(Layer.values()));
            this.layers.addAll(ls);
            return this;
        }

        /**
         * Layers by name ("SOCKET", "tcp", …); an unknown name fails at once.
         *
         * @param names layer names, any case
         * @return this builder
         */
        public Builder layers(String... names) {
            for (String n : elements(names, "layers", "a layer name; layers are " + List.of(Layer.values()))) {
                Layer.parse(n);
                layerNames.add(n);
            }
            return this;
        }

        /**
         * TCP ports of interest, on either end of a connection (added to those given before);
         * default: every port.
         *
         * @param ports 1 to 65535; checked at {@link #build()}
         * @return this builder
         */
        public Builder ports(int... ports) {
            if (ports == null) {
                throw new ConfigurationException("ports(...) was given null; give port numbers 1..65535");
            }
            for (int p : ports) {
                requirePort(p);
            }
            for (int p : ports) {
                this.ports.add(p);
            }
            return this;
        }

        /**
         * Namespaces by {@code ip netns} name; default: the caller's own namespace. On this host,
         * {@link #build()} fails for a namespace that does not exist.
         *
         * @param names names under {@code /run/netns}
         * @return this builder
         */
        public Builder namespaces(String... names) {
            for (String n : elements(names, "namespaces", "a namespace name")) {
                namespaces.add(Namespace.named(n));
            }
            return this;
        }

        /**
         * Namespaces whose traffic counts (added to those given before); default: the caller's
         * own namespace.
         *
         * @param namespaces e.g. {@code Namespace.named("client")}
         * @return this builder
         */
        public Builder namespaces(Namespace... namespaces) {
            this.namespaces.addAll(elements(namespaces, "namespaces", "a namespace"));
            return this;
        }

        /**
         * Count traffic in every network namespace, instead of {@link #namespaces(String...)}
         * (setting both fails at {@link #build()}).
         *
         * @return this builder
         */
        public Builder allNamespaces() {
            this.allNamespaces = true;
            return this;
        }

        /**
         * Only these flows, in either direction; a port of 0 matches any port. Default: every flow
         * the ports and namespaces let through.
         *
         * @param flows flow selectors, see {@link FlowKey#matches(FlowKey)}
         * @return this builder
         */
        public Builder flows(FlowKey... flows) {
            this.flows.addAll(elements(flows, "flows", "a flow"));
            return this;
        }

        /**
         * Marker stride in bytes: a power of two; smaller samples more bytes at more cost.
         *
         * @param bytes a power of two from 1 to 2^30; default {@link #DEFAULT_STRIDE}
         * @return this builder
         */
        public Builder stride(int bytes) {
            this.stride = requireStride(bytes);
            return this;
        }

        /**
         * Whether retransmitted markers go into the histograms too (default: no, they are only
         * counted), e.g. to see what loss does to the tail.
         *
         * @param include true to put them in
         * @return this builder
         */
        public Builder includeRetransmissions(boolean include) {
            this.includeRetransmissions = include;
            return this;
        }

        /**
         * Length of an interval report and of the store's writes.
         *
         * @param interval positive; default 1 s
         * @return this builder
         */
        public Builder interval(Duration interval) {
            this.interval = requireAtMostADay(interval, "interval");
            return this;
        }

        /**
         * How long a marker may wait to be read by the application; after that it is finished
         * as incomplete ("expired" in the data quality).
         *
         * @param timeout positive; default 2 s
         * @return this builder
         */
        public Builder markerTimeout(Duration timeout) {
            this.markerTimeout = requireAtMostADay(timeout, "markerTimeout");
            return this;
        }

        /**
         * Whether reports carry each probe's own run time (default on). It comes from the
         * kernel's bpf_stats, which while enabled times every BPF program run on the host
         * (two clock reads each); the session keeps it on in sampling windows (from the
         * start, then every 30 s, each until 50 000 runs were timed or 5 s passed), so the
         * mean is over a sample (docs/benchmarks.md has what it costs).
         *
         * @param measure false to leave the kernel's bpf_stats alone
         * @return this builder
         */
        public Builder probeCost(boolean measure) {
            this.probeCost = measure;
            return this;
        }

        /**
         * Where results are persisted, e.g. {@code Stores.mysql(url)}; default none (the
         * session's reports live in this process only).
         *
         * @param store a store's spec, or null for none
         * @return this builder
         */
        public Builder store(StoreSpec store) {
            this.store = store;
            return this;
        }

        /**
         * A name for people and the store.
         *
         * @param label at most {@link #MAX_LABEL} printable characters; default empty
         * @return this builder
         */
        public Builder label(String label) {
            this.label = requireLabel(label);
            return this;
        }

        /**
         * How often a finished marker's record (its stamps at every point) is written to the
         * store, when the session has one.
         *
         * @param n store one of every {@code n}; 0 for none; default 100
         * @return this builder
         */
        public Builder markerSampleEvery(int n) {
            if (n < 0) {
                throw new ConfigurationException("markerSampleEvery must be >= 0 (0: no marker records), got " + n);
            }
            this.markerSampleEvery = n;
            return this;
        }

        /**
         * Ring buffer between the probes and the agent, in bytes: a power of two, at least 64 KiB.
         * Enlarge it when the data quality shows ring-buffer drops.
         *
         * @param bytes default {@link #DEFAULT_RING_BYTES}
         * @return this builder
         */
        public Builder ringBufferBytes(int bytes) {
            this.ringBufferBytes = requireRing(bytes);
            return this;
        }

        /**
         * Whether tx.SOCKET starts at the application's write system call (default) or at the
         * kernel's copy into the socket; see {@link SessionSpec}. At the system call, tx.SOCKET
         * also holds the write's way from its entry to the copy (the wait for the socket's
         * lock, and for buffer space when the send buffer is full): what the application
         * sees. Without it a write that waited for the socket's lock is missing from
         * END_TO_END (in a loaded three-host test 10 % of writes waited 22 µs or more, and
         * END_TO_END's median fell 10 µs short of the application's). rx.SOCKET ends when the
         * read's copy is done and the socket released either way; the system call only
         * returns after that. Where the kernel allows BPF trampolines, the entry is taken at
         * {@code tcp_sendmsg}'s entry (before the socket's lock), and other processes' system
         * calls are not traced: their TCP sends run two short programs, which note nothing
         * for sockets the session does not watch. Elsewhere it is the write's first pass of
         * the kernel's copy loop, or the moment the write went to sleep on the socket's lock
         * before it: no system call is traced, but the write's way from its entry to the lock,
         * and a preemption on that way, are not in tx.SOCKET. System property
         * {@code latscope.writeEntry=sys_enter} takes the system call's entry from the sys_enter
         * tracepoint instead; the price is that every system call of every process on the host
         * then takes the kernel's traced path and runs one small program (a process that does
         * little else than system calls, {@code dd bs=1}, ran at 0.77x beside a session:
         * docs/benchmarks.md, "bystanders"; {@code auto}, {@code fentry} and
         * {@code first-copy} are its other values).
         *
         * @param atSystemCalls false to start tx.SOCKET at the kernel's copy into the socket
         * @return this builder
         */
        public Builder syscallBoundaries(boolean atSystemCalls) {
            this.syscallBoundaries = atSystemCalls;
            return this;
        }

        /**
         * Redis for remote hosts' agents, {@code redis://host:port/db}; password from LATSCOPE_REDIS_PASSWORD.
         *
         * @param url an address every host of the session can reach
         * @return this builder
         */
        public Builder redis(String url) {
            return redis(url, null);
        }

        /**
         * Redis for remote hosts' agents, with its password (never printed or stored in Redis).
         *
         * @param url      {@code redis://host:port/db}, reachable from every host
         * @param password the Redis password
         * @return this builder
         */
        public Builder redis(String url, String password) {
            this.redis = RedisSpec.parse(url, password);
            return this;
        }

        /**
         * How long each remote agent keeps its records while it cannot deliver them through
         * Redis (default {@link RedisSpec#DEFAULT_OUTAGE_BUDGET}, 5 min): in memory, then in a
         * spill file, sent in order when Redis is back. Records made later in a longer outage
         * are counted as lost, per host, in {@link LatScopeSession#health()} and the reports.
         *
         * @param budget a positive duration of at most a day
         * @return this builder
         */
        public Builder outageBudget(Duration budget) {
            this.outageBudget = RedisSpec.requireBudget(budget);
            return this;
        }

        /**
         * The most each remote agent writes to its spill file in one outage (default
         * {@link RedisSpec#DEFAULT_OUTAGE_SPILL_BYTES}, 1 GiB; 0 keeps records in memory only).
         *
         * @param bytes the bound
         * @return this builder
         */
        public Builder outageSpillBytes(long bytes) {
            this.outageSpillBytes = RedisSpec.requireSpill(bytes);
            return this;
        }

        /**
         * How remote hosts' clocks are synced to the controller's, e.g. {@code SyncSpec.xdp()}.
         *
         * @param sync the method and its settings
         * @return this builder
         */
        public Builder sync(SyncSpec sync) {
            if (sync == null) {
                throw new ConfigurationException("sync(...) was given null; use SyncSpec.none() for no clock sync");
            }
            this.sync = sync;
            return this;
        }

        /**
         * The controller's end of clock sync.
         *
         * @param ns      a namespace of this machine
         * @param ifname  an interface in it through which the hosts are reached
         * @param address its address as the hosts see it
         * @return this builder
         */
        public Builder syncReference(Namespace ns, String ifname, String address) {
            this.syncReference = new SyncSpec.Reference(ns, ifname, address);
            return this;
        }

        /**
         * Validates everything.
         *
         * @return the immutable spec
         */
        public SessionSpec build() {
            Set<Layer> ls = EnumSet.noneOf(Layer.class);
            for (Layer l : layers) {
                if (l == null) {
                    throw new ConfigurationException("layers(...) was given a null layer; layers are " + List.of(Layer.values()));
                }
                ls.add(l);
            }
            for (String n : layerNames) {
                ls.add(Layer.parse(n));
            }
            if (ls.isEmpty()) {
                ls.addAll(EnumSet.allOf(Layer.class));
            }
            if (allNamespaces && !namespaces.isEmpty()) {
                throw new ConfigurationException("choose either namespaces(...) or allNamespaces(), not both");
            }
            List<Namespace> ns = new ArrayList<>();
            for (Object o : namespaces) {
                if (o == null) {
                    throw new ConfigurationException("namespaces(...) was given a null namespace");
                }
                ns.add(o instanceof Namespace n ? n : Namespace.named(o.toString()));
            }
            if (ns.isEmpty() && !allNamespaces) {
                ns.add(Namespace.current());
            }
            for (Object o : flows) {
                if (o == null) {
                    throw new ConfigurationException("flows(...) was given a null flow");
                }
            }
            for (Host h : hosts) {
                if (h == null) {
                    throw new ConfigurationException("hosts(...) was given a null host");
                }
            }
            List<Host> hs = hosts.isEmpty() ? List.of(Host.local()) : hosts;
            requireParents(hs);
            boolean remote = hs.stream().anyMatch(h -> !(h instanceof Host.Local));
            if (remote && redis == null) {
                throw new ConfigurationException("remote hosts report through Redis: set redis(\"redis://host:port/db\")"
                        + " to an address every host can reach");
            }
            SyncSpec sy = syncReference != null ? sync.withReference(syncReference) : sync;
            if (remote && sy.method() != SyncSpec.Method.NONE && sy.reference() == null) {
                throw new ConfigurationException("clock sync needs the controller's interface: set syncReference(ns, ifname, address)");
            }
            if (!remote) {
                // the namespaces are on this machine: say now, not at start, when one is missing
                for (Namespace n : ns) {
                    if (!java.nio.file.Files.exists(n.path())) {
                        throw new ConfigurationException("network namespace '" + n.name() + "' does not exist (no "
                                + n.path() + (n.isCurrent() || !n.path().startsWith("/run/netns") ? ")"
                                : "; create it with: ip netns add " + n.name() + ")"));
                    }
                }
            }
            RedisSpec rs = redis;
            if (rs == null && (outageBudget != null || outageSpillBytes != null)) {
                throw new ConfigurationException("outageBudget/outageSpillBytes apply to remote hosts' agents:"
                        + " set redis(\"redis://host:port/db\") too, or leave them out");
            }
            if (rs != null && outageBudget != null) {
                rs = rs.withOutageBudget(outageBudget);
            }
            if (rs != null && outageSpillBytes != null) {
                rs = rs.withOutageSpillBytes(outageSpillBytes);
            }
            return new SessionSpec(hs, ls, new SessionSpec.Traffic(ports, ns, allNamespaces, flows),
                    new SessionSpec.Sampling(stride, includeRetransmissions, markerTimeout, markerSampleEvery,
                            ringBufferBytes, syscallBoundaries, probeCost),
                    interval, store, label, rs, sy);
        }

        /**
         * {@code build().start(listener)}.
         *
         * @param listener called with every finished marker, on LatScope's draining thread
         * @return the live session
         */
        public LatScopeSession start(SessionListener listener) {
            return build().start(listener);
        }

        /**
         * {@code build().start()}.
         *
         * @return the live session; close it to detach the probes
         */
        public LatScopeSession start() {
            return build().start();
        }

        /** The non-null elements of a varargs array, or a ConfigurationException naming the method. */
        private static <T> List<T> elements(T[] values, String method, String what) {
            if (values == null) {
                throw new ConfigurationException(method + "(...) was given null; give " + what);
            }
            for (T v : values) {
                if (v == null) {
                    throw new ConfigurationException(method + "(...) was given a null element; give " + what);
                }
            }
            return Arrays.asList(values);
        }

        private static void requirePort(int p) {
            if (p < 1 || p > 65535) {
                throw new ConfigurationException("port " + p + " is out of range 1..65535");
            }
        }

        private static int requireStride(int stride) {
            if (stride < 1 || Integer.bitCount(stride) != 1 || stride > (1 << 30)) {
                throw new ConfigurationException("stride " + stride + " must be a power of two between 1 and 2^30 bytes");
            }
            return stride;
        }

        private static int requireRing(int bytes) {
            if (bytes < (64 << 10) || Integer.bitCount(bytes) != 1) {
                throw new ConfigurationException("ring buffer size " + bytes + " must be a power of two of at least 64 KiB");
            }
            return bytes;
        }

        private static Duration requireAtMostADay(Duration d, String what) {
            Durations.requirePositive(d, what);
            if (d.compareTo(Duration.ofDays(1)) > 0) {
                throw new ConfigurationException(what + " " + d + " is longer than a day");
            }
            return d;
        }

        /** A host declared a VM or container of another names a host of this session. */
        private static void requireParents(List<Host> hs) {
            java.util.Set<String> labels = new java.util.HashSet<>();
            hs.forEach(h -> labels.add(h.label()));
            for (Host h : hs) {
                if (h instanceof Host.Ssh s && s.parent() != null && !labels.contains(s.parent().label())) {
                    throw new ConfigurationException("host " + s.label() + " is declared a "
                            + (s.parent().relation() == Host.Relation.VM ? "VM (vmOf)" : "container (containerOf)")
                            + " of '" + s.parent().label() + "', which is not a host of this session; hosts are "
                            + hs.stream().map(Host::label).toList());
                }
            }
        }

        private static String requireLabel(String label) {
            if (label == null || label.length() > MAX_LABEL || label.chars().anyMatch(Character::isISOControl)) {
                throw new ConfigurationException("label must be at most " + MAX_LABEL + " printable characters"
                        + (label == null ? ", not null" : ", got " + label.length()
                        + (label.chars().anyMatch(Character::isISOControl) ? " with control characters" : "")));
            }
            return label;
        }

    }
}
