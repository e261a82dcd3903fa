package io.latscope.testbed;

import io.latscope.bpf.NetNs;
import io.latscope.error.ConfigurationException;
import io.latscope.error.LatScopeException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network of "hosts" on one machine, for tests and demos: network namespaces joined by
 * veth pairs or by a bridge, each with addresses. Names are unique per process, so tests
 * may run side by side. {@link #close()} deletes everything it made and then fails if an
 * XDP program or tc filter was still attached to one of its devices (a leak in the code
 * under test).
 *
 * <pre>{@code
 * try (TestNetwork net = TestNetwork.create()) {
 *     NetNs a = net.namespace("a"), b = net.namespace("b");
 *     net.veth("a", "10.77.0.1/24", "b", "10.77.0.2/24");
 *     ...
 * }
 * }</pre>
 */
public final class TestNetwork implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Prefix of every namespace a test network of this process makes: "ls" + pid, in hex. */
    public static final String PREFIX = "ls" + Long.toHexString(ProcessHandle.current().pid());

    private final String id;
    private final Map<String, NetNs> namespaces = new LinkedHashMap<>();
    private final List<String[]> devices = new ArrayList<>(); // {namespace or "" for root, device}
    private final List<String> rootDevices = new ArrayList<>();
    private boolean closed;

    private TestNetwork() {
        this.id = PREFIX + "-" + COUNTER.incrementAndGet();
    }

    /**
     * A new network. The first in a process removes what test networks of processes that no
     * longer run left behind ({@link #removeLeftoversOfDeadRuns()}).
     */
    public static TestNetwork create() {
        sweepOnce();
        return new TestNetwork();
    }

    /** The alias of every root-namespace device a test network makes: its owner's pid (then " pidns INODE"). */
    static final String OWNER_ALIAS = "latscope-test pid ";
    private static final java.util.regex.Pattern DEAD_RUN_NS = java.util.regex.Pattern.compile("^ls([0-9a-f]{1,12})-\\d+-\\S+");
    private static final java.util.regex.Pattern OWNED_LINK =
            java.util.regex.Pattern.compile("^\\d+: ([^:@\\s]+)[@:].*alias " + OWNER_ALIAS + "(\\d+) pidns (\\d+)");

    private static boolean swept;

    /** Once per process, before its first network. */
    private static synchronized void sweepOnce() {
        if (!swept) {
            swept = true;
            try {
                List<String> removed = removeLeftoversOfDeadRuns();
                if (!removed.isEmpty()) {
                    System.err.println("TestNetwork: removed what test runs that no longer run left behind: " + removed);
                }
            } catch (RuntimeException e) { // the network itself will say what is wrong with ip
                System.err.println("TestNetwork: could not look for what ended test runs left behind: " + e.getMessage());
            }
        }
    }

    /**
     * Deletes the namespaces (named {@code ls<pid>-…}) and root-namespace devices (aliased
     * {@code latscope-test pid <pid>}) of test networks whose process has ended without
     * closing them (a test JVM killed mid-run): they hold the fixed subnets and addresses the
     * next run's tests use. A process that still runs keeps its networks, whoever it is. A
     * device names its owner's PID namespace too and is left alone when that is not this
     * process's; a namespace's name has only the pid (a test JVM of another PID namespace
     * sharing this network stack could lose its namespaces: not a set-up LatScope's tests use).
     *
     * @return what was deleted ("netns NAME", "link NAME")
     */
    public static List<String> removeLeftoversOfDeadRuns() {
        List<String> removed = new ArrayList<>();
        for (String line : Cmd.run("ip", "netns", "list").lines().toList()) {
            String name = line.strip().split("\\s+")[0];
            java.util.regex.Matcher m = DEAD_RUN_NS.matcher(name);
            if (m.matches() && !alive(Long.parseLong(m.group(1), 16))
                    && Cmd.exec(List.of("ip", "netns", "del", name)).exit() == 0) {
                removed.add("netns " + name);
            }
        }
        for (String line : Cmd.run("ip", "-o", "link", "show").lines().toList()) {
            java.util.regex.Matcher m = OWNED_LINK.matcher(line);
            if (m.find() && m.group(3).equals(PID_NS) && !alive(Long.parseLong(m.group(2)))
                    && Cmd.exec(List.of("ip", "link", "del", m.group(1))).exit() == 0) {
                removed.add("link " + m.group(1));
            }
        }
        return removed;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Names this process as the owner of a root-namespace device, for {@link #removeLeftoversOfDeadRuns()}. */
    private static void own(String dev) {
        Cmd.run("ip", "link", "set", "dev", dev, "alias", ownerAlias(ProcessHandle.current().pid()));
    }

    /** The alias naming process {@code pid} of this process's PID namespace as a device's owner. */
    static String ownerAlias(long pid) {
        return OWNER_ALIAS + pid + " pidns " + PID_NS;
    }

    /** This process's PID namespace (the inode of /proc/self/ns/pid), or "?" where it cannot be read. */
    private static final String PID_NS = pidNamespace();

    private static String pidNamespace() {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")).toString();
            return link.replaceAll("\\D", ""); // pid:[4026531836]
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "?";
        }
    }

    /** Unique id of this network; namespace names are {@code id + "-" + shortName}. */
    public String id() {
        return id;
    }

    /**
     * The congestion control of a test network's namespaces unless it says otherwise
     * ({@link #congestionControl(String)}): Linux's default. A new namespace takes the host's
     * default, and where that is {@code bbr} (the CI machines and development VMs of
     * 2026-12-06) TCP paces its segments itself: a segment then waits in the sending socket
     * for its pacing slot, so a delay a test adds with a qdisc lands partly in tx.SOCKET
     * instead of tx.DEV, by an amount that depends on BBR's bandwidth estimate (a CI run put
     * 25 % of an htb's added median there, a run on the same kernel an hour later none). CUBIC
     * does not pace without the fq qdisc. A test whose result depends on the algorithm in
     * other ways names it.
     *
     * <p>A namespace other than the host's may only take an algorithm the host allows
     * ({@code net.ipv4.tcp_allowed_congestion_control}, one list for all namespaces), so the
     * first namespace that needs one adds it to that list when it is missing (loading its
     * module first, {@code tcp_NAME}, where the kernel does not have it yet: the list does
     * not load modules), and leaves it there: the list only says which algorithms
     * unprivileged sockets may choose. Another process may rewrite the list meanwhile (a
     * concurrent test run adding its own): a namespace refused its algorithm asks again once.
     */
    public static final String DEFAULT_CONGESTION_CONTROL = "cubic";
    private static final java.nio.file.Path ALLOWED_CC = java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_allowed_congestion_control");
    private static final java.nio.file.Path AVAILABLE_CC =
            java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_available_congestion_control");
    /** Algorithms this process found in the allowed list, or put there. */
    private static final java.util.Set<String> KNOWN_ALLOWED = new java.util.HashSet<>();
    private String congestionControl = DEFAULT_CONGESTION_CONTROL;

    /**
     * TCP's congestion control in the namespaces made from now on.
     *
     * @param name an algorithm the kernel has ({@code net.ipv4.tcp_available_congestion_control})
     *             or whose module {@code modprobe tcp_NAME} loads, e.g. {@code cubic} or {@code bbr}
     * @return this network
     */
    public TestNetwork congestionControl(String name) {
        if (name == null || !name.matches("[a-z0-9_]+")) {
            throw new ConfigurationException("not a congestion control algorithm's name: " + name);
        }
        this.congestionControl = name;
        return this;
    }

    /** Creates a namespace with loopback up and TCP's congestion control as {@link #congestionControl(String)} says. */
    public NetNs namespace(String shortName) {
        if (namespaces.containsKey(shortName)) {
            throw new ConfigurationException("namespace " + shortName + " exists already in " + id);
        }
        String full = id + "-" + shortName;
        Cmd.run("ip", "netns", "add", full);
        NetNs ns = NetNs.named(full);
        namespaces.put(shortName, ns);
        Cmd.run("ip", "-n", full, "link", "set", "lo", "up");
        allow(congestionControl, false);
        List<String> set = List.of("ip", "netns", "exec", full, "sysctl", "-qw",
                "net.ipv4.tcp_congestion_control=" + congestionControl);
        Cmd.Result cc = Cmd.exec(set);
        if (cc.exit() != 0) {
            allow(congestionControl, true); // another process may have rewritten the list
            cc = Cmd.exec(set);
        }
        if (cc.exit() != 0) {
            throw new LatScopeException("cannot set TCP congestion control " + congestionControl + " in namespace " + full
                    + " (needs procps's sysctl and the kernel's tcp_" + congestionControl + "; available: "
                    + available() + "): " + cc.stderr().strip());
        }
        return ns;
    }

    private static synchronized void allow(String cc, boolean again) {
        if (!again && KNOWN_ALLOWED.contains(cc)) {
            return;
        }
        try {
            if (!List.of(available().split("\\s+")).contains(cc)) {
                Cmd.Result loaded = Cmd.exec(List.of("modprobe", "tcp_" + cc));
                if (loaded.exit() != 0) {
                    throw new LatScopeException("TCP congestion control " + cc + " is not in the kernel (available: "
                            + available() + ") and modprobe tcp_" + cc + " failed: " + loaded.stderr().strip());
                }
            }
            String allowed = java.nio.file.Files.readString(ALLOWED_CC).strip();
            if (!List.of(allowed.split("\\s+")).contains(cc)) {
                java.nio.file.Files.writeString(ALLOWED_CC, allowed + " " + cc);
                System.err.printf("TestNetwork: added %s to %s (was: %s)%n", cc, ALLOWED_CC, allowed);
            }
        } catch (java.io.IOException e) {
            throw new LatScopeException("cannot allow TCP congestion control " + cc + " in " + ALLOWED_CC
                    + " (needs root and the kernel's tcp_" + cc + "; available: " + available() + "): " + e, e);
        }
        KNOWN_ALLOWED.add(cc);
    }

    private static String available() {
        try {
            return java.nio.file.Files.readString(AVAILABLE_CC).strip();
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    public NetNs ns(String shortName) {
        NetNs ns = namespaces.get(shortName);
        if (ns == null) {
            throw new ConfigurationException("no namespace " + shortName + " in test network " + id);
        }
        return ns;
    }

    /** Full namespace name, for {@code ip -n}. */
    public String nsName(String shortName) {
        return ns(shortName).name();
    }

    /** Name of the veth end in namespace {@code a} that leads to {@code b}. */
    public static String vethName(String a, String b) {
        String n = "v" + a + "-" + b;
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    /**
     * Joins two namespaces with a veth pair: {@code vethName(a, b)} in {@code a} with
     * address {@code addrA} (CIDR), and {@code vethName(b, a)} in {@code b}.
     */
    public void veth(String a, String addrA, String b, String addrB) {
        String da = vethName(a, b);
        String db = vethName(b, a);
        String na = nsName(a);
        String nb = nsName(b);
        Cmd.run("ip", "link", "add", da, "netns", na, "type", "veth", "peer", "name", db, "netns", nb);
        devices.add(new String[] {na, da});
        devices.add(new String[] {nb, db});
        up(na, da, addrA);
        up(nb, db, addrB);
    }

    /** A bridge inside namespace {@code ns} (a "switch" or container host), optionally with an address. */
    public void bridge(String ns, String bridge, String addrOrNull) {
        String n = nsName(ns);
        Cmd.run("ip", "-n", n, "link", "add", bridge, "type", "bridge");
        devices.add(new String[] {n, bridge});
        up(n, bridge, addrOrNull);
    }

    /**
     * Connects namespace {@code ns} to {@code bridge} in namespace {@code bridgeNs} with a
     * veth pair; {@code vethName(ns, bridgeNs)} gets {@code addr}.
     */
    public void connect(String ns, String addr, String bridgeNs, String bridge) {
        String dn = vethName(ns, bridgeNs);
        String db = vethName(bridgeNs, ns);
        String n = nsName(ns);
        String nb = nsName(bridgeNs);
        Cmd.run("ip", "link", "add", dn, "netns", n, "type", "veth", "peer", "name", db, "netns", nb);
        devices.add(new String[] {n, dn});
        devices.add(new String[] {nb, db});
        Cmd.run("ip", "-n", nb, "link", "set", db, "master", bridge);
        up(n, dn, addr);
        up(nb, db, null);
    }

    /**
     * A bridge in the root namespace with an address, so services the test starts on that
     * address are reachable from the namespaces connected to it. Removed on close.
     */
    public String rootBridge(String addr) {
        String br = "lsbr" + Integer.toHexString(id.hashCode() & 0xffff);
        Cmd.run("ip", "link", "add", br, "type", "bridge");
        rootDevices.add(br);
        own(br);
        up(null, br, addr);
        return br;
    }

    /**
     * A veth in the root namespace with {@code addr}, its peer a port of {@code bridge}: an
     * address for this process on the bridge's network that, unlike the bridge itself,
     * supports native XDP (clock sync injects probes there). Use with a bridge made
     * without an address.
     */
    public String rootPort(String addr, String bridge) {
        String tag = Integer.toHexString(id.hashCode() & 0xffff);
        String mine = "lsc" + tag;
        String port = "lsp" + tag;
        Cmd.run("ip", "link", "add", mine, "type", "veth", "peer", "name", port);
        rootDevices.add(mine);
        own(mine);
        Cmd.run("ip", "link", "set", port, "master", bridge);
        up(null, port, null);
        up(null, mine, addr);
        return mine;
    }

    /**
     * A veth from the root namespace ({@code rootAddr}) straight into namespace {@code ns}
     * ({@code nsAddr}), for a namespace that routes on to networks behind it (a VM's tap).
     * Returns the root end's name; routes through it go when it is deleted on close.
     */
    public String rootLink(String ns, String rootAddr, String nsAddr) {
        String tag = Integer.toHexString(id.hashCode() & 0xffff);
        String mine = "lsl" + tag + ns;
        mine = mine.length() > 15 ? mine.substring(0, 15) : mine;
        String n = nsName(ns);
        Cmd.run("ip", "link", "add", mine, "type", "veth", "peer", "name", "up0", "netns", n);
        rootDevices.add(mine);
        own(mine);
        devices.add(new String[] {n, "up0"});
        up(null, mine, rootAddr);
        up(n, "up0", nsAddr);
        return mine;
    }

    /** Connects namespace {@code ns} to a root-namespace bridge made by {@link #rootBridge(String)}. */
    public String connectToRootBridge(String ns, String addr, String bridge) {
        String dn = "e" + ns;
        String dr = ("r" + Integer.toHexString(id.hashCode() & 0xffff) + ns);
        if (dr.length() > 15) {
            dr = dr.substring(0, 15);
        }
        String n = nsName(ns);
        Cmd.run("ip", "link", "add", dr, "type", "veth", "peer", "name", dn, "netns", n);
        rootDevices.add(dr);
        own(dr);
        devices.add(new String[] {n, dn});
        Cmd.run("ip", "link", "set", dr, "master", bridge);
        up(null, dr, null);
        up(n, dn, addr);
        return dn;
    }

    /** Runs {@code ip netns exec NS cmd…} and returns stdout. */
    public String exec(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", nsName(ns)));
        c.addAll(List.of(command));
        return Cmd.run(c);
    }

    /** {@code tc qdisc replace dev DEV root SPEC…} in a namespace, e.g. ("tbf", "rate", "10mbit", …). */
    public void rootQdisc(String ns, String dev, String... spec) {
        List<String> c = new ArrayList<>(List.of("tc", "-n", nsName(ns), "qdisc", "replace", "dev", dev, "root"));
        c.addAll(List.of(spec));
        Cmd.run(c);
    }

    public void removeRootQdisc(String ns, String dev) {
        Cmd.exec(List.of("tc", "-n", nsName(ns), "qdisc", "del", "dev", dev, "root"));
    }

    private static void up(String ns, String dev, String addr) {
        List<String> pre = ns == null ? List.of("ip") : List.of("ip", "-n", ns);
        if (addr != null) {
            List<String> c = new ArrayList<>(pre);
            c.addAll(List.of("addr", "add", addr, "dev", dev));
            if (addr.contains(":")) {
                c.add("nodad"); // usable at once, no duplicate address detection delay
            }
            Cmd.run(c);
        }
        List<String> c = new ArrayList<>(pre);
        c.addAll(List.of("link", "set", dev, "up"));
        Cmd.run(c);
    }

    /** XDP programs and tc BPF filters still attached to this network's devices. */
    public List<String> attachedBpf() {
        List<String> found = new ArrayList<>();
        for (String[] d : devices) {
            String link = Cmd.exec(List.of("ip", "-n", d[0], "-d", "link", "show", "dev", d[1])).stdout();
            if (link.contains("prog/xdp") || link.contains(" xdp")) {
                found.add("XDP on " + d[1] + " in " + d[0]);
            }
            for (String dir : List.of("ingress", "egress")) {
                String f = Cmd.exec(List.of("tc", "-n", d[0], "filter", "show", "dev", d[1], dir)).stdout();
                if (f.contains("bpf")) {
                    found.add("tc " + dir + " filter on " + d[1] + " in " + d[0] + ": " + f.strip());
                }
            }
            String q = Cmd.exec(List.of("tc", "-n", d[0], "qdisc", "show", "dev", d[1])).stdout();
            if (q.contains("clsact")) {
                found.add("clsact qdisc on " + d[1] + " in " + d[0]);
            }
        }
        return found;
    }

    /** Deletes every namespace and root device; then throws if BPF was left attached. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> leaks = attachedBpf();
        List<String> errors = new ArrayList<>();
        for (String dev : rootDevices) {
            Cmd.Result r = Cmd.exec(List.of("ip", "link", "del", dev));
            if (r.exit() != 0 && !r.stderr().contains("Cannot find")) {
                errors.add("ip link del " + dev + ": " + r.stderr().strip());
            }
        }
        for (NetNs ns : namespaces.values()) {
            Cmd.Result r = Cmd.exec(List.of("ip", "netns", "del", ns.name()));
            if (r.exit() != 0) {
                errors.add("ip netns del " + ns.name() + ": " + r.stderr().strip());
            }
        }
        if (!errors.isEmpty()) {
            throw new LatScopeException("cleaning up test network " + id + ": " + String.join("; ", errors));
        }
        if (!leaks.isEmpty()) {
            throw new LatScopeException("BPF left attached in test network " + id + " at close: " + String.join("; ", leaks));
        }
    }

    /** Namespaces left behind by test networks of this process (should be none after close). */
    public static List<String> leftoverNamespaces() {
        return Cmd.run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(PREFIX + "-")).toList();
    }
}
