package io.latscope.agent;

import io.latscope.ProbeCost;
import io.latscope.bpf.BpfLink;
import io.latscope.bpf.BpfMap;
import io.latscope.bpf.BpfObject;
import io.latscope.bpf.BpfProgram;
import io.latscope.bpf.BpfStats;
import io.latscope.bpf.Cgroups;
import io.latscope.bpf.Feature;
import io.latscope.bpf.FeatureStatus;
import io.latscope.bpf.Features;
import io.latscope.bpf.MapCodec;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.NetfilterHook;
import io.latscope.bpf.RingBuffer;
import io.latscope.error.Errno;
import io.latscope.error.LatScopeException;
import io.latscope.error.NotSupportedException;
import io.latscope.error.VerifierException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The probes of one host, loaded and attached: the BPF object, its links, the mapped
 * ring buffer and (optionally) kernel run-time statistics for probe self-cost. A probe
 * point this kernel cannot provide is left out and reported with the reason; the rest
 * are measured. Closing detaches everything in reverse order.
 */
public final class LocalProbes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProbes.class);
    private static final int FIRST_PRIORITY = Integer.MIN_VALUE + 1;
    /**
     * Optional helpers that move the socket points to the system call boundary (see
     * probes.bpf.c): TX_SOCK to the write's entry (which needs the exit too, to end it),
     * RX_APP to the read's return. The raw sys_enter/sys_exit tracepoints, attached once
     * each whichever point needs them; all or nothing: without them both points stay at
     * the kernel's copy.
     */
    static final Map<ProbePoint, List<String>> SYSCALL_HELPERS = Map.of(
            ProbePoint.TX_SOCK, List.of("sys_enter", "sys_exit"),
            ProbePoint.RX_APP, List.of("sys_exit"));
    private static final List<String> ALL_SYSCALL_HELPERS = List.of("sys_enter", "sys_exit");
    /** The iterator that gives connections open before the session the sockops callback. */
    private static final String TX_TCP_EXISTING = "tx_tcp_existing";

    /** What to probe: stride exponent, ports (empty = all), namespaces (empty = all), stats. */
    public record Config(int strideShift, Set<Integer> ports, List<NetNs> namespaces, boolean allNamespaces,
                         boolean probeCost, Set<ProbePoint> points, int ringBytes, boolean syscallBoundaries) {
    }

    private final BpfObject object;
    private final List<BpfLink> links = new ArrayList<>();
    private final Map<ProbePoint, String> unavailable = new EnumMap<>(ProbePoint.class);
    private final Map<String, ProbePoint> attachedPrograms = new LinkedHashMap<>();
    private final Map<String, String> programPoint = new LinkedHashMap<>();
    private final RingBuffer ring;
    private final boolean measureCost;
    private BpfStats stats;
    private long statsWindowStart = System.nanoTime();
    private long statsRunsAtWindowStart;
    private boolean closed;
    private final String txTcpVia;
    private final Map<ProbePoint, String> socketBoundary = new EnumMap<>(Map.of(
            ProbePoint.TX_SOCK, "tcp_sendmsg_locked (copy into the socket)",
            ProbePoint.RX_APP, "sock_recv_length (copy to the application)"));

    private LocalProbes(Config cfg) {
        byte[] elf = bundled();
        Set<String> excluded = new java.util.HashSet<>();
        // fentry is the better tx TCP point, but only where the kernel allows trampolines.
        FeatureStatus fentry = Features.probe(Feature.FENTRY);
        if (!fentry.isSupported()) {
            excluded.add("tx_tcp_fentry");
        } else {
            excluded.add("tx_tcp");
            excluded.add(TX_TCP_EXISTING);
        }
        excluded.add("empty_floor");
        if (!cfg.syscallBoundaries()) {
            excluded.addAll(ALL_SYSCALL_HELPERS);
        }
        for (ProbePoint p : ProbePoint.values()) {
            if (!cfg.points().contains(p)) {
                excluded.addAll(p.programs());
                if (p == ProbePoint.TX_TCP) {
                    excluded.add("tx_tcp_fentry");
                    excluded.add(TX_TCP_EXISTING);
                }
            }
        }
        BpfObject obj = loadExcludingUnsupported(elf, cfg, excluded);
        this.object = obj;
        BpfStats st = null;
        RingBuffer rb = null;
        String via = null;
        try {
            fillFilters(cfg);
            st = cfg.probeCost() ? BpfStats.enable() : null;
            rb = RingBuffer.open(obj.map("events"));
            for (ProbePoint p : cfg.points()) {
                if (unavailable.containsKey(p)) {
                    continue;
                }
                try {
                    attach(p, cfg);
                } catch (NotSupportedException | io.latscope.error.KernelException e) {
                    unavailable.put(p, e.getMessage());
                    LOG.warn("probe point {} unavailable: {}", p, e.getMessage());
                }
            }
            attachFlowEnd();
            if (cfg.points().contains(ProbePoint.TX_TCP) && !unavailable.containsKey(ProbePoint.TX_TCP)) {
                via = fentry.isSupported() ? "fentry/__tcp_transmit_skb" : "sockops HDR_OPT_LEN (fentry: " + fentry.reason() + ")";
            }
        } catch (RuntimeException e) {
            closeQuietly(links);
            if (rb != null) {
                rb.close();
            }
            if (st != null) {
                st.close();
            }
            obj.close();
            throw e;
        }
        this.ring = rb;
        this.stats = st;
        this.measureCost = cfg.probeCost();
        this.txTcpVia = via;
    }

    public static LocalProbes start(Config cfg) {
        return new LocalProbes(cfg);
    }

    private static byte[] bundled() {
        try (InputStream in = BpfObject.class.getResourceAsStream("/io/latscope/bpf/obj/probes.bpf.o")) {
            if (in == null) {
                throw new LatScopeException("probes.bpf.o is missing from latscope-bpf (was src-bpf built?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new LatScopeException("reading probes.bpf.o: " + e.getMessage(), e);
        }
    }

    /** Loads; a program the kernel refuses is dropped with its reason, and the load retried. */
    private BpfObject loadExcludingUnsupported(byte[] elf, Config cfg, Set<String> excluded) {
        for (int attempt = 0; ; attempt++) {
            BpfObject obj = BpfObject.open("latscope_probes", elf);
            try {
                obj.setConstant("stride_shift", cfg.strideShift());
                obj.setConstant("filter_ports", cfg.ports().isEmpty() ? 0 : 1);
                obj.setConstant("filter_netns", cfg.allNamespaces() ? 0 : 1);
                obj.setConstant("port_bits", portBits(cfg.ports()));
                int[] slots = netnsSlots(cfg.namespaces().stream().map(NetNs::inode).toList());
                obj.setConstant("netns_in_map", slots == null ? 1 : 0);
                if (slots != null) {
                    obj.setConstant("netns_slots", nativeInts(slots));
                }
                obj.map("events").setMaxEntries(cfg.ringBytes());
                for (BpfProgram p : obj.programs()) {
                    p.setAutoload(!excluded.contains(p.name()));
                }
                obj.load();
                return obj;
            } catch (VerifierException | NotSupportedException e) {
                obj.close();
                String prog = e instanceof VerifierException v ? v.program() : failedProgram(e.getMessage(), obj);
                ProbePoint point = prog == null ? null : pointOf(prog);
                if (point == null || attempt > ProbePoint.values().length * 2) {
                    throw e;
                }
                if (prog != null && prog.equals("tx_tcp_fentry")) {
                    excluded.add(prog);
                    excluded.remove("tx_tcp");
                    excluded.remove(TX_TCP_EXISTING);
                    continue;
                }
                if (TX_TCP_EXISTING.equals(prog)) {
                    LOG.info("tx TCP only for connections opened after the session starts ({})", e.getMessage());
                    excluded.add(prog);
                    continue;
                }
                if ("flow_end".equals(prog)) {
                    excluded.add(prog);
                    continue;
                }
                if (ALL_SYSCALL_HELPERS.contains(prog)) {
                    LOG.info("system call boundary unavailable ({}); socket points stay at the kernel copy", e.getMessage());
                    excluded.addAll(ALL_SYSCALL_HELPERS);
                    continue;
                }
                LOG.warn("probe point {} unavailable: program {} refused: {}", point, prog, e.getMessage());
                unavailable.put(point, "program " + prog + " refused by this kernel: " + e.getMessage());
                excluded.addAll(point.programs());
            } catch (RuntimeException e) {
                obj.close();
                throw e;
            }
        }
    }

    private static String failedProgram(String message, BpfObject obj) {
        for (BpfProgram p : obj.programs()) {
            if (message.contains("(program " + p.name() + ")")) {
                return p.name();
            }
        }
        return null;
    }

    private static ProbePoint pointOf(String program) {
        if (program.equals("tx_tcp_fentry") || program.equals(TX_TCP_EXISTING)) {
            return ProbePoint.TX_TCP;
        }
        for (ProbePoint p : ProbePoint.values()) {
            if (p.programs().contains(program)) {
                return p;
            }
        }
        return null;
    }

    static final int NETNS_SLOT_BITS = 8;
    static final int NETNS_PROBES = 4;

    /** {@code port_bits} of probes.bpf.c: bit {@code p & 63} of 64-bit word {@code p >> 6}, native order. */
    static byte[] portBits(Set<Integer> ports) {
        long[] words = new long[65536 / 64];
        for (int p : ports) {
            words[p >>> 6] |= 1L << (p & 63);
        }
        ByteBuffer b = ByteBuffer.allocate(words.length * 8).order(ByteOrder.nativeOrder());
        b.asLongBuffer().put(words);
        return b.array();
    }

    /**
     * {@code netns_slots} of probes.bpf.c: each inode at its Fibonacci-hash slot or one of
     * the next {@link #NETNS_PROBES - 1}; null when one does not fit (the hash map is used then).
     */
    static int[] netnsSlots(Collection<Long> inodes) {
        int[] t = new int[1 << NETNS_SLOT_BITS];
        for (long inode : inodes) {
            int ns = (int) inode;
            int slot = (ns * 0x9E3779B1) >>> (32 - NETNS_SLOT_BITS);
            boolean placed = false;
            for (int k = 0; k < NETNS_PROBES && !placed; k++) {
                int i = (slot + k) & (t.length - 1);
                if (t[i] == 0 || t[i] == ns) {
                    t[i] = ns;
                    placed = true;
                }
            }
            if (!placed) {
                return null;
            }
        }
        return t;
    }

    private static byte[] nativeInts(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.nativeOrder());
        b.asIntBuffer().put(v);
        return b.array();
    }

    private void fillFilters(Config cfg) {
        // the namespaces also go to the map, used when they do not all fit the table
        var ns = object.map("netns").typed(MapCodec.INT, MapCodec.bytes(1));
        for (NetNs n : cfg.namespaces()) {
            ns.put((int) n.inode(), new byte[] {1});
        }
    }

    private void attach(ProbePoint p, Config cfg) {
        switch (p) {
            case TX_TCP -> {
                BpfProgram fentry = object.program("tx_tcp_fentry");
                if (fentry.isLoaded()) {
                    add(p, fentry, fentry.attachTrace());
                } else {
                    BpfProgram sockops = object.program("tx_tcp");
                    add(p, sockops, sockops.attachCgroup(Cgroups.v2Root()));
                    flagOpenConnections(cfg);
                }
            }
            case TX_IP, RX_IP -> {
                BpfProgram prog = object.program(p.programs().getFirst());
                NetfilterHook hook = p == ProbePoint.TX_IP ? NetfilterHook.LOCAL_OUT : NetfilterHook.PRE_ROUTING;
                for (NetNs ns : cfg.namespaces()) {
                    for (NetfilterHook.Family fam : NetfilterHook.Family.values()) {
                        add(p, prog, prog.attachNetfilter(ns, fam, hook, FIRST_PRIORITY));
                    }
                }
            }
            default -> {
                for (String name : p.programs()) {
                    BpfProgram prog = object.program(name);
                    add(p, prog, prog.attach());
                }
                attachSyscallHelpers(p);
            }
        }
    }

    /**
     * sockops asks for its per-segment callback when a connection is established; connections
     * already open (a pool, a running service) get the same flag from an iterator over each
     * namespace's TCP sockets, run once now that sockops is attached. Where the kernel lacks
     * the iterator or {@code TCP_BPF_SOCK_OPS_CB_FLAGS} in {@code bpf_setsockopt}, those
     * connections have no tx TCP stamps: their markers count as incomplete, and the log says why.
     */
    private void flagOpenConnections(Config cfg) {
        BpfProgram iter = object.program(TX_TCP_EXISTING);
        if (!iter.isLoaded()) {
            LOG.info("connections open before the session get no tx TCP stamps (iterator not loaded on this kernel)");
            return;
        }
        for (NetNs ns : cfg.namespaces()) {
            try {
                IntBuffer results = ByteBuffer.wrap(iter.runIterator(ns)).order(ByteOrder.nativeOrder()).asIntBuffer();
                int flagged = 0;
                int lastError = 0;
                while (results.hasRemaining()) {
                    int rc = results.get();
                    if (rc == 0) {
                        flagged++;
                    } else {
                        lastError = -rc;
                    }
                }
                LOG.debug("tx TCP: {} connection(s) open before the session in {} flagged", flagged, ns);
                if (lastError != 0) {
                    LOG.warn("{} connection(s) open before the session in {} get no tx TCP stamps: bpf_setsockopt("
                            + "TCP_BPF_SOCK_OPS_CB_FLAGS): {}", results.capacity() - flagged, ns, Errno.describe(lastError));
                }
            } catch (LatScopeException e) { // also a namespace gone since it was listed
                LOG.warn("connections open before the session in {} get no tx TCP stamps: {}", ns, e.getMessage());
            }
        }
    }

    /** Final counters of closing sockets, for exact flow totals; optional (older kernels lack the tracepoint). */
    private void attachFlowEnd() {
        BpfProgram p = object.program("flow_end");
        if (!p.isLoaded()) {
            return;
        }
        try {
            links.add(p.attach());
        } catch (NotSupportedException | io.latscope.error.KernelException e) {
            LOG.info("closing sockets' counters unavailable ({}); flow totals rely on periodic samples", e.getMessage());
        }
    }

    /** All or nothing: a partial set would stamp some calls at the boundary and others at the copy. */
    private void attachSyscallHelpers(ProbePoint p) {
        List<String> names = SYSCALL_HELPERS.get(p);
        if (names == null || !names.stream().allMatch(n -> object.program(n).isLoaded())) {
            return;
        }
        Map<String, BpfLink> made = new LinkedHashMap<>();
        try {
            for (String name : names) {
                if (!attachedPrograms.containsKey(name)) { // sys_exit serves both points
                    made.put(name, object.program(name).attach());
                }
            }
        } catch (NotSupportedException | io.latscope.error.KernelException e) {
            closeQuietly(List.copyOf(made.values()));
            LOG.info("system call boundary for {} unavailable ({}); it stays at the kernel copy", p, e.getMessage());
            return;
        }
        made.forEach((name, link) -> add(p, object.program(name), link)); // their run time shows with the probes'
        if (p == ProbePoint.TX_SOCK) {
            socketBoundary.put(p, "write/writev/sendto/sendmsg system call entry");
        } else {
            object.map("switches").typed(MapCodec.INT, MapCodec.INT).put(0, 1);
            socketBoundary.put(p, "return of the system call that read (read, readv, recvfrom, recvmsg, ...)");
        }
    }

    /** Where END_TO_END starts (TX_SOCK) and ends (RX_APP) on this kernel. */
    public Map<ProbePoint, String> socketBoundaries() {
        return socketBoundary;
    }

    private void add(ProbePoint p, BpfProgram prog, BpfLink link) {
        links.add(link);
        attachedPrograms.put(prog.name(), p);
        String where = prog.section().startsWith("tp_btf/") || prog.section().startsWith("fentry/")
                ? prog.section().substring(prog.section().indexOf('/') + 1) : p.kernelPoint();
        programPoint.put(prog.name(), p.label() + " (" + where + ")");
    }

    /** Probe points asked for but not available on this kernel, with the reason. */
    public Map<ProbePoint, String> unavailable() {
        return unavailable;
    }

    public Set<ProbePoint> attachedPoints() {
        Set<ProbePoint> s = EnumSet.noneOf(ProbePoint.class);
        s.addAll(attachedPrograms.values());
        return s;
    }

    /** How the tx TCP point is implemented here (fentry or sockops), or null when not attached. */
    public String txTcpVia() {
        return txTcpVia;
    }

    public RingBuffer ring() {
        return ring;
    }

    /** Events the kernel could not put into the ring (ring full), since start. */
    public long ringDrops() {
        var drops = object.map("drops").typed(MapCodec.INT, MapCodec.LONG);
        long total = 0;
        for (int i = 0; i <= ProbePoint.values().length; i++) { // the last slot: flow ends
            total += drops.sum(i);
        }
        return total;
    }

    /**
     * Statistics are sampled in windows: timing costs two clock reads per run of every BPF
     * program on the host (more than a lean probe where the clock is paravirtual), and
     * turning them on or off patches every BPF call site in the kernel text (a costly
     * cross-CPU operation on a VM). So a window is on from the start of the session, and
     * again every {@link #STATS_WINDOW_EVERY_NANOS}, until {@link #STATS_RUNS_PER_WINDOW}
     * runs were timed or {@link #STATS_WINDOW_MAX_NANOS} passed.
     */
    static final long STATS_RUNS_PER_WINDOW = 50_000;
    static final long STATS_WINDOW_MAX_NANOS = 5_000_000_000L;
    static final long STATS_WINDOW_EVERY_NANOS = 30_000_000_000L;

    /** Called every 100 ms while probe cost is measured: opens and closes the sampling windows. */
    public synchronized void paceStats() {
        if (!measureCost || closed) {
            return;
        }
        long now = System.nanoTime();
        if (stats == null) {
            if (now - statsWindowStart >= STATS_WINDOW_EVERY_NANOS) {
                statsWindowStart = now;
                statsRunsAtWindowStart = timedRuns();
                stats = BpfStats.enable();
            }
        } else if (now - statsWindowStart >= STATS_WINDOW_MAX_NANOS
                || timedRuns() - statsRunsAtWindowStart >= STATS_RUNS_PER_WINDOW) {
            stats.close();
            stats = null;
        }
    }

    private long timedRuns() {
        long total = 0;
        for (String prog : attachedPrograms.keySet()) {
            total += BpfStats.of(object.program(prog)).runCount();
        }
        return total;
    }

    /**
     * Mean run time per program, from kernel statistics (empty when statistics are off);
     * the runs are those the kernel timed (see {@link #paceStats()}).
     */
    public synchronized List<ProbeCost> costs() {
        List<ProbeCost> out = new ArrayList<>();
        if (!measureCost) {
            return out;
        }
        for (String prog : attachedPrograms.keySet()) {
            BpfStats.ProgramRunStats s = BpfStats.of(object.program(prog));
            if (s.runCount() > 0) {
                out.add(new ProbeCost(prog, programPoint.get(prog), s.runCount(), s.meanNanos()));
            }
        }
        return out;
    }

    BpfMap map(String name) {
        return object.map(name);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // markers parked for a read's return would be stranded once the exits are detached
            object.map("switches").typed(MapCodec.INT, MapCodec.INT).put(0, 0);
        } catch (RuntimeException e) {
            LOG.debug("clearing switches: {}", e.toString());
        }
        closeQuietly(links.reversed());
        links.clear();
        if (ring != null) {
            ring.close();
        }
        if (stats != null) {
            stats.close();
            stats = null;
        }
        object.close();
    }

    private static void closeQuietly(List<BpfLink> ls) {
        for (BpfLink l : ls) {
            try {
                l.close();
            } catch (RuntimeException e) {
                LOG.warn("detaching {} failed: {}", l.description(), e.toString());
            }
        }
    }
}
