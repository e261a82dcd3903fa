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
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(LocalProbes.class);
    }
    private static final int FIRST_PRIORITY = Integer.MIN_VALUE + 1;
    /**
     * The optional programs that move TX_SOCK to the write's entry (probes.bpf.c,
     * write_entry), one way of {@link WriteEntry} (tcp_sendmsg's entry through a BPF
     * trampoline, the write's first pass of the copy loop, or the raw sys_enter tracepoint).
     * Without any the point stays at each pass of the kernel's copy. RX_APP needs none:
     * sock_recv_length (or tcp_recvmsg's return) fires once the read's copy is done and the
     * socket's lock released, where the system call only returns.
     */
    public static final String WRITE_ENTRY_PROPERTY = WriteEntry.PROPERTY;
    /** The way loaded (null: syscall boundaries off, or none loads). */
    private WriteEntry writeEntry;
    /** The ways left to try if the kernel refuses writeEntry's programs. */
    private final java.util.ArrayDeque<WriteEntry> writeEntryFallbacks = new java.util.ArrayDeque<>();
    /** The iterator that gives connections open before the session the sockops callback. */
    private static final String TX_TCP_EXISTING = "tx_tcp_existing";

    /** What to probe: stride exponent, ports (empty = all), namespaces (empty = all), stats. */
    public record Config(int strideShift, Set<Integer> ports, List<NetNs> namespaces, boolean allNamespaces,
                         boolean probeCost, Set<ProbePoint> points, int ringBytes, boolean syscallBoundaries) {
    }

    private final BpfObject object;
    private OpenSockets openSockets;
    private final List<BpfLink> links = new ArrayList<>();
    private final Map<ProbePoint, String> unavailable = new EnumMap<>(ProbePoint.class);
    private final Map<String, ProbePoint> attachedPrograms = new LinkedHashMap<>();
    private final Map<String, String> programPoint = new LinkedHashMap<>();
    private final RingBuffer ring;
    /** The kernel's drop counters, per point and for flow ends, read without system calls. */
    private final io.latscope.bpf.MappedArray drops;
    private final boolean measureCost;
    /** Statistics are switched on in windows here; false where root's sysctl keeps them on. */
    private boolean statsWindows;
    /** Why probe self-cost is not measured though it was asked for; null when it is. */
    private String costNotMeasured;
    private BpfStats stats;
    private long statsWindowStart = System.nanoTime();
    private long statsRunsAtWindowStart;
    private boolean closed;
    private final String txTcpVia;
    /** Whether the pre-6.2 object is loaded (no read-only cast kfuncs on this kernel). */
    private final boolean pre62;
    /** Points measured by an fentry/fexit stand-in (their tracepoint is missing), with its program. */
    private final Map<ProbePoint, StandIns.StandIn> standIn = new EnumMap<>(ProbePoint.class);
    private final Map<ProbePoint, String> socketBoundary = new EnumMap<>(Map.of(
            ProbePoint.TX_SOCK, "tcp_sendmsg_locked (copy into the socket)",
            ProbePoint.RX_APP, "sock_recv_length (the read's copy to the application done, socket lock released)"));

    private LocalProbes(Config cfg) {
        // Before 6.2 there is no bpf_rdonly_cast (nor bpf_cast_to_kern_ctx): the pre-6.2 object
        // parses from copies and has no sockops tx TCP (fentry is the tx TCP point there).
        pre62 = !Features.probe(Feature.RDONLY_CAST).isSupported();
        byte[] elf = bundled(pre62 ? "probes-pre62.bpf.o" : "probes.bpf.o");
        Set<String> excluded = new java.util.HashSet<>();
        // fentry is the better tx TCP point, but only where the kernel allows trampolines.
        HookPreference hooks = HookPreference.current();
        FeatureStatus fentry = hooks.fentry(Features.probe(Feature.FENTRY));
        if (!fentry.isSupported()) {
            excluded.add("tx_tcp_fentry");
            if (pre62 && cfg.points().contains(ProbePoint.TX_TCP)) {
                unavailable.put(ProbePoint.TX_TCP, "this kernel has neither BPF trampolines (" + fentry.reason()
                        + ") nor bpf_cast_to_kern_ctx for sockops (Linux 6.2+)");
            }
        } else {
            excluded.add("tx_tcp");
            excluded.add(TX_TCP_EXISTING);
        }
        // netfilter BPF links came with 6.4: without them, the IP points are left out up front
        // (each refused program costs a reload of the whole object)
        // (each refused program costs a reload of the whole object), or measured by their
        // fentry stand-ins where the kernel allows trampolines
        FeatureStatus nf = Features.probe(Feature.NETFILTER);
        boolean noNetfilter = nf.isDefinite() && !nf.isSupported();
        if (noNetfilter && !fentry.isSupported()) {
            for (ProbePoint p : List.of(ProbePoint.TX_IP, ProbePoint.RX_IP)) {
                if (cfg.points().contains(p)) {
                    unavailable.put(p, "netfilter BPF links (Linux 6.4+) are not supported here (" + nf.reason()
                            + "), nor BPF trampolines for the stand-ins (" + fentry.reason() + ")");
                    excluded.addAll(p.programs());
                    Log.LOG.warn("probe point {} unavailable: {}", p, unavailable.get(p));
                }
            }
        }
        // fentry/fexit stand-ins for socket tracepoints and netfilter programs this kernel lacks
        for (ProbePoint p : ProbePoint.values()) {
            StandIns.of(p).ifPresent(si -> {
                boolean lacking = si.forNetfilter() ? noNetfilter : StandIns.tracepointMissing(si);
                if (fentry.isSupported() && hooks.standIn(lacking)) {
                    standIn.put(p, si);
                    excluded.addAll(p.programs());
                } else {
                    excluded.addAll(si.programs());
                }
            });
        }
        excluded.add("empty_floor");
        if (cfg.syscallBoundaries() && cfg.points().contains(ProbePoint.TX_SOCK)) {
            writeEntryFallbacks.addAll(WriteEntry.candidates(fentry.isSupported()));
            if (standIn.containsKey(ProbePoint.TX_SOCK)) { // the first copy pass is the tracepoint's, not the stand-in's
                writeEntryFallbacks.remove(WriteEntry.FIRST_COPY);
            }
        }
        writeEntry = writeEntryFallbacks.pollFirst();
        excluded.addAll(WriteEntry.allPrograms());
        if (writeEntry != null) {
            excluded.removeAll(writeEntry.programs);
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
        simulateRefusedPoints(cfg, excluded);
        BpfObject obj = loadExcludingUnsupported(elf, cfg, excluded);
        this.object = obj;
        BpfStats st = null;
        RingBuffer rb = null;
        io.latscope.bpf.MappedArray dr = null;
        String via = null;
        try {
            fillFilters(cfg);
            st = cfg.probeCost() ? enableStats() : null;
            rb = RingBuffer.open(obj.map("events"));
            dr = io.latscope.bpf.MappedArray.open(obj.map("drops"));
            for (ProbePoint p : cfg.points()) {
                if (unavailable.containsKey(p)) {
                    continue;
                }
                try {
                    attach(p, cfg);
                } catch (NotSupportedException | io.latscope.error.KernelException e) {
                    unavailable.put(p, e.getMessage());
                    Log.LOG.warn("probe point {} unavailable: {}", p, e.getMessage());
                }
            }
            attachFlowEnd();
            if (cfg.points().contains(ProbePoint.TX_TCP) && !unavailable.containsKey(ProbePoint.TX_TCP)) {
                via = fentry.isSupported() ? "fentry/__tcp_transmit_skb" : "sockops HDR_OPT_LEN (fentry: " + fentry.reason() + ")";
            }
        } catch (RuntimeException | Error e) { // an Error too: nothing attached may outlive a failed start
            closeQuietly(links);
            if (dr != null) {
                dr.close();
            }
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
        this.drops = dr;
        this.stats = st;
        this.measureCost = cfg.probeCost() && costNotMeasured == null;
        this.txTcpVia = via;
    }

    /**
     * Probe self-cost needs the kernel's run-time statistics. BPF_ENABLE_STATS needs
     * CAP_SYS_ADMIN; without it they are still there if root turned them on for the whole
     * machine (sysctl), else self-cost is not measured, and the report says why.
     */
    private BpfStats enableStats() {
        try {
            BpfStats st = BpfStats.enable();
            statsWindows = true;
            return st;
        } catch (io.latscope.error.KernelException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            if (BpfStats.enabledSystemWide()) {
                Log.LOG.info("probe self-cost from the statistics root keeps on for the machine (kernel.bpf_stats_enabled=1);"
                        + " this process cannot switch them: {}", e.getMessage());
            } else {
                costNotMeasured = "BPF_ENABLE_STATS needs CAP_SYS_ADMIN, which this process lacks (or root sets"
                        + " kernel.bpf_stats_enabled=1 beforehand)";
                Log.LOG.warn("probe self-cost not measured: {}", costNotMeasured);
            }
            return null;
        }
    }

    /** What the session asked for but the probes cannot give, and why: empty, or probe self-cost. */
    public Map<String, String> notMeasured() {
        return costNotMeasured == null ? Map.of() : Map.of("probe self-cost", costNotMeasured);
    }

    /** System property naming probe points (e.g. {@code RX_SOCK}) to treat as refused by the kernel: tests only. */
    public static final String REFUSE_POINTS_PROPERTY = "latscope.test.refusePoints";

    /**
     * Tests of a host whose kernel lacks a probe point (say sk_data_ready before 6.6) set
     * {@value #REFUSE_POINTS_PROPERTY}: the named points go the way of a program the kernel
     * refused — left out, reported unavailable, the rest measured.
     */
    private void simulateRefusedPoints(Config cfg, Set<String> excluded) {
        for (String name : System.getProperty(REFUSE_POINTS_PROPERTY, "").split(",")) {
            if (name.isBlank()) {
                continue;
            }
            ProbePoint p = ProbePoint.valueOf(name.strip());
            if (cfg.points().contains(p)) {
                Log.LOG.warn("probe point {} unavailable: refused as asked by {}", p, REFUSE_POINTS_PROPERTY);
                unavailable.put(p, "refused by this kernel (simulated by " + REFUSE_POINTS_PROPERTY + ")");
                excluded.addAll(p.programs());
                if (p == ProbePoint.TX_SOCK) {
                    dropWriteEntry(excluded);
                }
            }
        }
    }

    /** System property naming programs to treat as refused by the verifier: tests only. */
    public static final String REFUSE_PROGRAMS_PROPERTY = "latscope.test.refusePrograms";

    /**
     * Tests of a kernel whose verifier refuses a program set {@value #REFUSE_PROGRAMS_PROPERTY}
     * (comma-separated names; {@code name:first-copy} refuses it only while the write's entry
     * is taken at the first copy pass, whose constant enables more of its code): the load
     * fails as the kernel's would, for the first named program that would be loaded, and
     * takes the same way out.
     */
    private void simulateRefusedPrograms(Set<String> excluded) {
        for (String item : System.getProperty(REFUSE_PROGRAMS_PROPERTY, "").split(",")) {
            String[] parts = item.strip().split(":", 2);
            String name = parts[0];
            boolean onlyFirstCopy = parts.length == 2 && parts[1].strip().equals("first-copy");
            if (name.isEmpty() || excluded.contains(name) || (onlyFirstCopy && writeEntry != WriteEntry.FIRST_COPY)) {
                continue;
            }
            throw new VerifierException(name, Errno.EACCES, "refused (simulated by " + REFUSE_PROGRAMS_PROPERTY + ")");
        }
    }

    /** Without tx.SOCK nothing takes the write's entry: its programs are not loaded. */
    private void dropWriteEntry(Set<String> excluded) {
        excluded.addAll(WriteEntry.allPrograms());
        writeEntry = null;
        writeEntryFallbacks.clear();
    }

    public static LocalProbes start(Config cfg) {
        return new LocalProbes(cfg);
    }

    private static byte[] bundled(String name) {
        try (InputStream in = LocalProbes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new LatScopeException(name + " is missing from latscope-agent (was src-bpf built?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new LatScopeException("reading " + name + ": " + e.getMessage(), e);
        }
    }

    /** Loads; a program the kernel refuses is dropped with its reason, and the load retried. */
    private BpfObject loadExcludingUnsupported(byte[] elf, Config cfg, Set<String> excluded) {
        for (int attempt = 0; ; attempt++) {
            BpfObject obj = BpfObject.open("latscope_probes", elf);
            try {
                obj.setConstant("stride_shift", cfg.strideShift());
                obj.setConstant("entry_at_first_copy", writeEntry == WriteEntry.FIRST_COPY ? 1 : 0);
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
                simulateRefusedPrograms(excluded);
                obj.load();
                return obj;
            } catch (VerifierException | NotSupportedException | io.latscope.error.KernelException e) {
                obj.close();
                String prog = e instanceof VerifierException v ? v.program() : failedProgram(e.getMessage(), obj);
                ProbePoint point = prog == null ? null : pointOf(prog);
                // EINVAL for one program: a program type this kernel does not know (netfilter before 6.4);
                // a stand-in whose function this kernel's BTF lacks (inlined, renamed) fails otherwise
                boolean refused = !(e instanceof io.latscope.error.KernelException k) || k.errno() == Errno.EINVAL
                        || (prog != null && StandIns.pointOf(prog) != null);
                if ("flow_end".equals(prog) && refused) {
                    Log.LOG.info("closing sockets' counters unavailable ({}); flow totals rely on periodic samples", e.getMessage());
                    excluded.add(prog);
                    continue;
                }
                // optional, whatever the error: tx.SOCK falls back to the next way, then to the copy;
                // tx_sock itself is another program with the first copy's constant set (the verifier
                // walks the code the constant enables), so its refusal tries the next way first
                if (prog != null && writeEntry != null && (writeEntry.programs.contains(prog)
                        || (writeEntry == WriteEntry.FIRST_COPY && ProbePoint.TX_SOCK.programs().contains(prog)))) {
                    excluded.addAll(writeEntry.programs);
                    writeEntry = writeEntryFallbacks.pollFirst();
                    Log.LOG.info("write entry by {} refused ({}); tx.SOCK {}", prog, e.getMessage(),
                            writeEntry == null ? "stays at the kernel copy" : "from " + writeEntry.programs + " instead");
                    if (writeEntry != null) {
                        excluded.removeAll(writeEntry.programs);
                    }
                    continue;
                }
                if (point == null || !refused || attempt > ProbePoint.values().length * 2) {
                    throw e;
                }
                if (prog != null && prog.equals("tx_tcp_fentry")) {
                    excluded.add(prog);
                    if (pre62) {
                        unavailable.put(ProbePoint.TX_TCP, "program tx_tcp_fentry refused by this kernel, and sockops"
                                + " needs bpf_cast_to_kern_ctx (Linux 6.2+): " + e.getMessage());
                    } else {
                        excluded.remove("tx_tcp");
                        excluded.remove(TX_TCP_EXISTING);
                    }
                    continue;
                }
                if (TX_TCP_EXISTING.equals(prog)) {
                    Log.LOG.info("tx TCP only for connections opened after the session starts ({})", e.getMessage());
                    excluded.add(prog);
                    continue;
                }
                if ("flow_end".equals(prog)) {
                    excluded.add(prog);
                    continue;
                }
                Log.LOG.warn("probe point {} unavailable: program {} refused: {}", point, prog, e.getMessage());
                unavailable.put(point, "program " + prog + " refused by this kernel: " + e.getMessage());
                excluded.addAll(point.programs());
                if (point == ProbePoint.TX_SOCK) {
                    dropWriteEntry(excluded);
                }
                StandIns.of(point).ifPresent(si -> excluded.addAll(si.programs()));
                standIn.remove(point);
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
        if (WriteEntry.allPrograms().contains(program)) {
            return ProbePoint.TX_SOCK;
        }
        ProbePoint standingIn = StandIns.pointOf(program);
        if (standingIn != null) {
            return standingIn;
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
        StandIns.StandIn stand = standIn.get(p);
        if (stand != null) { // trampolines in place of the hook this kernel lacks
            for (String name : stand.programs()) {
                BpfProgram prog = object.program(name);
                add(p, prog, prog.attachTrace());
            }
            attachWriteEntry(p);
            return;
        }
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
                // all of the point's programs or none: a point half attached would be both
                // measured and unavailable. The first copy pass's entry is kept by tx_sock itself
                // (its load-time constant), so the programs that end and note it go first.
                boolean firstCopy = p == ProbePoint.TX_SOCK && writeEntry == WriteEntry.FIRST_COPY;
                List<String> names = new ArrayList<>(firstCopy ? writeEntry.programs : List.of());
                names.addAll(p.programs());
                attachAllOrNone(p, names, false);
                if (firstCopy) {
                    socketBoundary.put(p, writeEntry.boundary);
                }
                attachWriteEntry(p);
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
            Log.LOG.info("connections open before the session get no tx TCP stamps (iterator not loaded on this kernel)");
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
                if (lastError != 0) {
                    Log.LOG.warn("{} connection(s) open before the session in {} get no tx TCP stamps: bpf_setsockopt("
                            + "TCP_BPF_SOCK_OPS_CB_FLAGS): {}", results.capacity() - flagged, ns, Errno.describe(lastError));
                }
            } catch (LatScopeException e) { // also a namespace gone since it was listed
                Log.LOG.warn("connections open before the session in {} get no tx TCP stamps: {}", ns, e.getMessage());
            }
        }
    }

    /**
     * Final counters of closing sockets, for exact flow totals, and the map of open ones;
     * optional (older kernels lack the tracepoint).
     */
    private void attachFlowEnd() {
        BpfProgram p = object.program("flow_end");
        if (!p.isLoaded()) {
            return;
        }
        try {
            links.add(p.attach());
            openSockets = new OpenSockets(object.map("open_socks"));
        } catch (NotSupportedException | io.latscope.error.KernelException e) {
            Log.LOG.info("closing sockets' counters unavailable ({}); flow totals rely on periodic samples", e.getMessage());
        }
    }

    /**
     * The wanted TCP sockets opened since the probes attached and not yet closed, or null
     * where the program that keeps them is not attached.
     */
    OpenSockets openSockets() {
        return openSockets;
    }

    private void attachWriteEntry(ProbePoint p) {
        if (p != ProbePoint.TX_SOCK || writeEntry == null || writeEntry == WriteEntry.FIRST_COPY) {
            return;
        }
        List<String> names = writeEntry.programs;
        if (!names.stream().allMatch(n -> object.program(n).isLoaded())) {
            return;
        }
        try {
            attachAllOrNone(p, names, writeEntry.trampolines); // their run time shows with the probes'
        } catch (NotSupportedException | io.latscope.error.KernelException e) {
            Log.LOG.info("write entry for {} unavailable ({}); it stays at the kernel copy", p, e.getMessage());
            return;
        }
        socketBoundary.put(p, writeEntry.boundary);
    }

    /**
     * Attaches the named programs for {@code p} in order (through BPF trampolines or as their
     * sections say), all or none: when one fails, the links already made are closed and the
     * failure is thrown.
     */
    private void attachAllOrNone(ProbePoint p, List<String> names, boolean trampolines) {
        List<BpfLink> made = new ArrayList<>();
        try {
            for (String name : names) {
                BpfProgram prog = object.program(name);
                made.add(trampolines ? prog.attachTrace() : prog.attach());
            }
        } catch (RuntimeException e) {
            closeQuietly(made);
            throw e;
        }
        for (int i = 0; i < names.size(); i++) {
            add(p, object.program(names.get(i)), made.get(i));
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
                || prog.section().startsWith("fexit/")
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

    /** Points measured by an fentry/fexit stand-in for a hook this kernel lacks, with the stand-in's hook. */
    public Map<ProbePoint, String> standIns() {
        Map<ProbePoint, String> out = new EnumMap<>(ProbePoint.class);
        standIn.forEach((p, si) -> out.put(p, si.hook()));
        return out;
    }

    /** Whether the pre-6.2 probe object is loaded (this kernel has no bpf_rdonly_cast). */
    public boolean preKfuncCasts() {
        return pre62;
    }

    /** How the tx TCP point is implemented here (fentry or sockops), or null when not attached. */
    public String txTcpVia() {
        return txTcpVia;
    }

    public RingBuffer ring() {
        return ring;
    }

    /** Events the kernel could not put into the ring (ring full), since start; no system call. */
    public long ringDrops() {
        long total = 0;
        for (int i = 0; i < drops.length(); i++) { // the last slot: flow ends
            total += drops.get(i);
        }
        return total;
    }

    /** {@link #ringDrops()} per probe point label (flow-end records under "flow.end"), non-zero ones only. */
    public Map<String, Long> ringDropsPerPoint() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < drops.length(); i++) {
            long n = drops.get(i);
            if (n > 0) {
                out.put(i < ProbePoint.values().length ? ProbePoint.of(i).label() : "flow.end", n);
            }
        }
        return out;
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
        if (!measureCost || !statsWindows || closed) {
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
        closeQuietly(links.reversed());
        links.clear();
        drops.close();
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
                Log.LOG.warn("detaching {} failed: {}", l.description(), e.toString());
            }
        }
    }
}
