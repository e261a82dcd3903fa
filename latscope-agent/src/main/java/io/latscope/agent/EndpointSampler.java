package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.ProcessStats;
import io.latscope.bpf.Capability;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.SockDiag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Per-flow throughput and loss, and CPU and memory of the processes at the flows' ends
 * (what the seed sampled with psutil every 0.1 s): {@code tcp_info} counters of the
 * established sockets in every measured namespace once per interval, read over sock_diag
 * netlink ({@link SockDiag}: no process started, no walk of every process's descriptors
 * as {@code ss -p} does), owners found by socket inode in {@code /proc/PID/fd} only when a
 * socket is new (first among the endpoint processes already known), {@code /proc/PID/stat}
 * of the owners every interval and their {@code statm} every 100 ms (kept open:
 * {@link ResidentMemory}).
 *
 * <p>Which sockets: with the probes' {@link OpenSockets} map, each namespace is dumped once
 * (the sockets opened before the probes attached), and from then on only the sockets that
 * map holds and those older ones are looked up, one request each. A dump walks every bucket
 * of the kernel's established hash per family and namespace whatever the number of
 * sockets (11–15 ms of CPU a second for two namespaces here). Dumps come back for a
 * namespace where that would be cheaper (more than {@value #LOOKUPS_MAX} sockets), for an
 * interval where a socket the map holds is not found (one bound to a device), and for good
 * once the map was full.
 */
final class EndpointSampler implements AutoCloseable {
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(EndpointSampler.class);
    }
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    /** Above this many sockets in a namespace, one dump costs less than a lookup each. */
    static final int LOOKUPS_MAX = 256;

    private final String host;
    private final List<NetNs> namespaces;
    private final Set<Integer> ports;
    /** The probes' open wanted sockets; null: a dump every time. */
    private final OpenSockets open;
    /** Per namespace dumped since the probes attached: the sockets of the last dump not yet found closed. */
    private final Map<NetNs, Set<FlowKey>> dumped = new HashMap<>();
    /** False once the map was full: it no longer holds every open socket. */
    private boolean lookups;
    /** Lookups, dumps, walks of every process's descriptors and reads of one known owner's so far (tests, bench). */
    private long lookupCount, dumpCount, ownerWalks, knownOwnerReads;

    /**
     * Counters of one socket as tcp_info reports them (cumulative since the socket opened).
     * {@code dataBytesSent}: payload sent once, -1 where the kernel does not say (then
     * {@code bytesAcked}, which also counts a SYN and a FIN, stands in). {@code cookie}: the
     * socket's cookie, which sock_diag and the probes' flow ends both report; two connections
     * between the same ends have different ones.
     */
    record SocketInfo(FlowKey sending, long bytesAcked, long bytesReceived, long dataSegsOut, long dataSegsIn,
                      long retransTotal, Map<Long, String> owners, long dataBytesSent, long cookie) {
        long bytes() {
            return dataBytesSent >= 0 ? dataBytesSent : bytesAcked;
        }
    }

    /** Each connection's counters at the last sample, by socket cookie. */
    private final Map<Long, SocketInfo> last = new HashMap<>();
    /**
     * Final counters of sockets that closed, from the draining thread. A queue, not a list
     * under this object's lock: the interval thread holds that lock through a whole sample
     * (sock_diag requests and, for a new socket no known process holds, a walk of every
     * process's descriptors), and the drainer must never wait for it while the ring fills.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<SocketInfo> closed = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Map<Long, Long> seen = new HashMap<>();
    private final Map<Long, long[]> cpuAt = new HashMap<>();   // pid -> {ticks, nanoTime}
    private final Map<Long, Long> rssMax = new HashMap<>();
    private final ResidentMemory memory = new ResidentMemory();
    private final Map<Long, String> commands = new HashMap<>();
    private final Map<Long, FlowKey> pidFlow = new HashMap<>();
    private final Map<NetNs, SockDiag> diags = new HashMap<>();
    private final Set<NetNs> diagFailed = new HashSet<>();
    private final Map<Long, Map<Long, String>> ownersByInode = new HashMap<>();
    private long lastSampleNanos = System.nanoTime();
    /** Why some endpoint processes are not reported, once found; null while all were. */
    private String ownersNotFound;

    /**
     * @param open the probes' open sockets, or null where the program that keeps them did not
     *             attach (then every sample dumps)
     */
    EndpointSampler(String host, List<NetNs> namespaces, Set<Integer> ports, OpenSockets open) {
        this.host = host;
        this.namespaces = List.copyOf(namespaces);
        this.ports = Set.copyOf(ports);
        this.open = open;
        this.lookups = open != null;
    }

    /**
     * At session start: the counters every wanted socket already has, so that a connection
     * older than the session counts from now (its first sample subtracts them); without this,
     * its first interval had every byte it carried since it opened. Counters only: the
     * owners are found at the first interval, as for any new socket. This is the one dump
     * per namespace that lookups start from.
     */
    synchronized void baseline() {
        long now = System.nanoTime();
        for (SockDiag.TcpSocket t : wantedSockets()) {
            SocketInfo s = info(t, Map.of());
            last.put(s.cookie(), s);
            seen.put(s.cookie(), now);
        }
        lastSampleNanos = now;
    }

    /** The wanted sockets of every measured namespace now (looked up or dumped, on the wanted ports). */
    private List<SockDiag.TcpSocket> wantedSockets() {
        List<SockDiag.TcpSocket> out = new ArrayList<>();
        Map<Long, List<FlowKey>> opened = openByNamespace();
        for (NetNs ns : namespaces) {
            for (SockDiag.TcpSocket t : sockets(ns, opened)) {
                if (onWantedPort(t)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** The flow a socket sends: its own end first. */
    private static FlowKey sending(SockDiag.TcpSocket t) {
        return new FlowKey(t.local().getAddress(), t.local().getPort(), t.remote().getAddress(), t.remote().getPort());
    }

    private static SocketInfo info(SockDiag.TcpSocket t, Map<Long, String> owners) {
        return new SocketInfo(sending(t), t.bytesAcked(), t.bytesReceived(), t.dataSegsOut(), t.dataSegsIn(),
                t.totalRetrans(), owners, t.dataBytesSent(), t.cookie());
    }

    /**
     * Sockets looked up one by one, namespace dumps, walks of every process's descriptors and
     * reads of one known owner's descriptors, so far.
     */
    synchronized long[] requests() {
        return new long[] {lookupCount, dumpCount, ownerWalks, knownOwnerReads};
    }

    /** Decodes a struct ls_flow_end record ({@link ProbeRecords}). */
    static SocketInfo decodeFlowEnd(MemorySegment seg, long off) {
        return new SocketInfo(ProbeRecords.flowEndFlow(seg, off), ProbeRecords.bytesAcked(seg, off),
                ProbeRecords.bytesReceived(seg, off), ProbeRecords.dataSegsOut(seg, off), ProbeRecords.dataSegsIn(seg, off),
                ProbeRecords.totalRetrans(seg, off), Map.of(), ProbeRecords.dataBytesSent(seg, off),
                ProbeRecords.flowEndCookie(seg, off));
    }

    /** A socket closed: its final counters (from the draining thread, without waiting for a sample in progress). */
    void flowEnded(SocketInfo finalCounters) {
        closed.add(finalCounters);
    }

    /** Every 100 ms: memory peaks of the known endpoint processes. */
    synchronized void sampleProcesses() {
        for (Long pid : pidFlow.keySet()) {
            long rss = memory.bytes(pid);
            if (rss >= 0) {
                rssMax.merge(pid, rss, Math::max);
            }
        }
    }

    /** Once per interval: flow counters since the last call, and the endpoints' CPU and peak memory. */
    synchronized Result interval() {
        return sample(true);
    }

    /**
     * What {@link #interval()} would return now, without closing the interval: flow counters
     * since the last interval and the endpoints' CPU since then (a mid-interval snapshot).
     */
    synchronized Result peek() {
        return sample(false);
    }

    private Result sample(boolean commit) {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
        if (commit) {
            lastSampleNanos = now;
        }
        Map<Long, SocketInfo> current = new LinkedHashMap<>();
        List<SockDiag.TcpSocket> sockets = wantedSockets();
        resolveOwners(sockets);
        for (SockDiag.TcpSocket t : sockets) {
            SocketInfo s = info(t, ownersByInode.getOrDefault(t.inode(), Map.of()));
            current.put(s.cookie(), s);
        }
        // sockets that closed since the last sample, queued by now (the drainer may add more
        // meanwhile: they wait for the next sample)
        List<SocketInfo> closedNow = new ArrayList<>(closed);
        List<Long> ended = mergeClosed(current, closedNow, last, ports);
        Map<Long, FlowKey> owners = commit ? pidFlow : new HashMap<>(pidFlow);
        Map<Long, String> names = commit ? commands : new HashMap<>(commands);
        for (SocketInfo s : current.values()) {
            s.owners().forEach((pid, cmd) -> {
                owners.put(pid, s.sending());
                names.put(pid, cmd);
            });
        }
        List<FlowStats> flows = new ArrayList<>();
        sinceLast(current, last).forEach((k, sum) -> {
            if (sum[0] > 0 || sum[1] > 0) {
                flows.add(new FlowStats(k, host, sum[0], sum[1], sum[2], sum[0] * 8.0 / seconds));
            }
        });
        if (!commit) {
            return new Result(flows, processes(owners, names, now, false));
        }
        for (int i = 0; i < closedNow.size(); i++) {
            closed.poll(); // the ones taken above: only this method removes, from the head, under the lock
        }
        // A socket missing from this sample may have closed with its final counters still
        // on their way through the ring: keep its last sample until they come.
        last.putAll(current);
        ended.forEach(last::remove);
        seen.keySet().retainAll(last.keySet());
        current.keySet().stream().filter(last::containsKey).forEach(k -> seen.put(k, now));
        last.keySet().removeIf(k -> now - seen.getOrDefault(k, now) > 60_000_000_000L);
        List<ProcessStats> procs = processes(pidFlow, commands, now, true);
        pidFlow.keySet().removeIf(pid -> cpuTicks(pid) < 0);
        memory.retainOnly(pidFlow.keySet()); // also those a snapshot's peek opened for processes not kept
        rssMax.clear();
        return new Result(flows, procs);
    }

    /**
     * Puts the final counters of sockets that closed into a sample's sockets ({@code current},
     * by socket cookie) and returns the connections that ended. A socket this sample listed
     * may have closed after sock_diag listed it and before the sample read the queue: its
     * final counters replace the listed ones, which stop short of the close, since a closed
     * socket is never listed again and the difference would be counted in no interval. The
     * cookie keeps connections between the same ends apart: a newer one listed beside a
     * closed one, or sampled before the older one's close came through the ring, counts its
     * own bytes, and the closed one counts what it sent since its own last sample.
     *
     * @param last  each connection's last sample, by cookie (for its owners)
     * @param ports the session's ports (empty: any); a closed socket on none of them is left out
     */
    static List<Long> mergeClosed(Map<Long, SocketInfo> current, List<SocketInfo> closedNow,
                                  Map<Long, SocketInfo> last, Set<Integer> ports) {
        List<Long> ended = new ArrayList<>();
        for (SocketInfo s : closedNow) {
            FlowKey k = s.sending();
            if (!onPorts(ports, k.srcPort(), k.dstPort())) {
                continue;
            }
            SocketInfo listed = current.get(s.cookie());
            SocketInfo known = listed != null ? listed : last.get(s.cookie());
            // the flow as sock_diag named it, where it did: one connection's bytes stay in one flow
            current.put(s.cookie(), new SocketInfo(known == null ? k : known.sending(), s.bytesAcked(), s.bytesReceived(),
                    s.dataSegsOut(), s.dataSegsIn(), s.retransTotal(), known == null ? Map.of() : known.owners(),
                    s.dataBytesSent(), s.cookie()));
            ended.add(s.cookie());
        }
        return ended;
    }

    /**
     * Each flow's payload bytes, data segments and retransmitted segments since the last
     * sample: the sum over its connections of what each sent since its own last sample (all
     * it sent, for one that none saw).
     *
     * @return {bytes, segments, retransmitted} by flow, in the order of {@code current}
     */
    static Map<FlowKey, long[]> sinceLast(Map<Long, SocketInfo> current, Map<Long, SocketInfo> last) {
        Map<FlowKey, long[]> perFlow = new LinkedHashMap<>();
        for (SocketInfo s : current.values()) {
            SocketInfo before = last.get(s.cookie());
            long[] sum = perFlow.computeIfAbsent(s.sending(), k -> new long[3]);
            sum[0] += s.bytes() - (before == null ? 0 : before.bytes());
            sum[1] += s.dataSegsOut() - (before == null ? 0 : before.dataSegsOut());
            sum[2] += s.retransTotal() - (before == null ? 0 : before.retransTotal());
        }
        return perFlow;
    }

    /** CPU since the last interval and peak memory of the endpoint processes; {@code commit} starts a new interval. */
    private List<ProcessStats> processes(Map<Long, FlowKey> owners, Map<Long, String> names, long now, boolean commit) {
        List<ProcessStats> procs = new ArrayList<>();
        for (Map.Entry<Long, FlowKey> e : owners.entrySet()) {
            long pid = e.getKey();
            long ticks = cpuTicks(pid);
            if (ticks < 0) {
                continue; // exited
            }
            long[] prev = commit ? cpuAt.put(pid, new long[] {ticks, now}) : cpuAt.get(pid);
            double cpu = prev == null || now == prev[1] ? 0
                    : 100.0 * (ticks - prev[0]) / TICKS_PER_SECOND / ((now - prev[1]) / 1e9);
            long rss = Math.max(rssMax.getOrDefault(pid, 0L), Math.max(0, memory.bytes(pid)));
            procs.add(new ProcessStats(host, pid, names.getOrDefault(pid, "?"), e.getValue(), cpu, rss));
        }
        return procs;
    }

    record Result(List<FlowStats> flows, List<ProcessStats> processes) {
    }

    /** The probes' open sockets by namespace inode; null when every namespace is dumped. */
    private Map<Long, List<FlowKey>> openByNamespace() {
        if (!lookups) {
            return null;
        }
        List<OpenSockets.OpenSocket> list = open.list();
        if (list.size() >= open.capacity()) {
            lookups = false;
            Log.LOG.info("{} or more wanted TCP sockets open at once: flow counters from dumps of every socket from now on",
                    open.capacity());
            return null;
        }
        return list.stream().collect(Collectors.groupingBy(OpenSockets.OpenSocket::netns,
                Collectors.mapping(OpenSockets.OpenSocket::sending, Collectors.toList())));
    }

    /**
     * The namespace's sockets to sample: looked up one by one where {@code opened} and an
     * earlier dump say which they are, dumped otherwise.
     */
    private List<SockDiag.TcpSocket> sockets(NetNs ns, Map<Long, List<FlowKey>> opened) {
        Set<FlowKey> older = dumped.get(ns);
        if (opened == null || older == null) {
            return dump(ns, opened != null);
        }
        List<FlowKey> mapped = opened.getOrDefault(ns.inode(), List.of());
        Set<FlowKey> wanted = new LinkedHashSet<>(mapped);
        wanted.addAll(older);
        if (wanted.size() > LOOKUPS_MAX) {
            return dump(ns, true);
        }
        List<SockDiag.TcpSocket> out = new ArrayList<>(wanted.size());
        try {
            SockDiag d = diag(ns);
            for (FlowKey k : wanted) {
                lookupCount++;
                var t = d.lookup(new InetSocketAddress(k.src(), k.srcPort()), new InetSocketAddress(k.dst(), k.dstPort()));
                if (t.isPresent()) {
                    out.add(t.get());
                } else if (mapped.contains(k) && open.contains(new OpenSockets.OpenSocket(ns.inode(), k))) {
                    // open as far as the probes know, yet not found by its ends (bound to a device?)
                    Log.LOG.debug("socket {} in {} not found by lookup: dumping the namespace", k, ns.name());
                    return dump(ns, true);
                } else {
                    older.remove(k); // closed; its final counters come through the ring
                }
            }
            diagFailed.remove(ns);
            return out;
        } catch (RuntimeException e) {
            return failed(ns, e);
        }
    }

    /** Every established socket of the namespace; {@code remember}: keep their ends for lookups. */
    private List<SockDiag.TcpSocket> dump(NetNs ns, boolean remember) {
        List<SockDiag.TcpSocket> r = established(ns);
        if (remember && !diagFailed.contains(ns)) {
            Set<FlowKey> ends = new LinkedHashSet<>();
            r.stream().filter(this::onWantedPort).forEach(t -> ends.add(sending(t)));
            dumped.put(ns, ends);
        }
        return r;
    }

    private boolean onWantedPort(SockDiag.TcpSocket t) {
        return onPorts(ports, t.local().getPort(), t.remote().getPort());
    }

    /** Whether either port is one of {@code ports} (empty: any port). */
    private static boolean onPorts(Set<Integer> ports, int a, int b) {
        return ports.isEmpty() || ports.contains(a) || ports.contains(b);
    }

    private SockDiag diag(NetNs ns) {
        SockDiag d = diags.get(ns);
        if (d == null) {
            d = SockDiag.open(ns);
            diags.put(ns, d);
        }
        return d;
    }

    /** The namespace's established sockets; a namespace whose sock_diag fails is reported once and skipped. */
    private List<SockDiag.TcpSocket> established(NetNs ns) {
        try {
            dumpCount++;
            List<SockDiag.TcpSocket> r = diag(ns).established();
            diagFailed.remove(ns);
            return r;
        } catch (RuntimeException e) {
            return failed(ns, e);
        }
    }

    private List<SockDiag.TcpSocket> failed(NetNs ns, RuntimeException e) {
        if (diagFailed.add(ns)) {
            Log.LOG.warn("no flow counters from network namespace {}: {}", ns.name(), e.getMessage());
        }
        SockDiag d = diags.remove(ns);
        if (d != null) {
            d.close();
        }
        dumped.remove(ns); // dumped again once it answers
        return List.of();
    }

    /**
     * Owners (pid to command) of the sockets, by inode. Sockets seen before keep theirs. New
     * ones are looked for first among the session's endpoint processes still running (a
     * client that keeps opening connections, a server that keeps accepting them): only their
     * descriptors are read. Every process's descriptors ({@code socket:[inode]} links) are read
     * only for the sockets none of those holds, so a workload that opens connection after
     * connection costs one walk of {@code /proc} per new process, not one per interval. A socket
     * found among the known processes is not looked for elsewhere: a process that shares it
     * (inherited across a fork) and holds no other measured socket is not named.
     */
    private void resolveOwners(List<SockDiag.TcpSocket> sockets) {
        Set<Long> wanted = new HashSet<>();
        sockets.forEach(t -> wanted.add(t.inode()));
        ownersByInode.keySet().retainAll(wanted);
        wanted.removeAll(ownersByInode.keySet());
        wanted.remove(0L); // a socket without a file (orphaned while closing)
        if (wanted.isEmpty()) {
            return;
        }
        Set<Long> known = new java.util.LinkedHashSet<>(pidFlow.keySet()); // endpoint processes of the session still running
        ownersByInode.values().forEach(m -> known.addAll(m.keySet()));
        for (Long inode : wanted) {
            ownersByInode.put(inode, new LinkedHashMap<>());
        }
        Set<Long> left = new HashSet<>(wanted);
        boolean denied = false;
        for (Long pid : known) {
            denied |= readOwner(pid, Path.of("/proc", Long.toString(pid)), wanted, left);
            knownOwnerReads++;
        }
        if (!left.isEmpty()) {
            ownerWalks++;
            try (var procs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
                for (Path proc : procs) {
                    long pid = Long.parseLong(proc.getFileName().toString());
                    if (!known.contains(pid)) {
                        denied |= readOwner(pid, proc, left, null);
                    }
                }
            } catch (IOException e) {
                Log.LOG.debug("reading /proc: {}", e.toString());
            }
        }
        if (denied && ownersNotFound == null && wanted.stream().anyMatch(i -> ownersByInode.get(i).isEmpty())) {
            // with both capabilities a refusal is the kernel's own (a process that may not be inspected at all)
            List<Capability> lacking = Stream.of(Capability.SYS_PTRACE, Capability.DAC_READ_SEARCH)
                    .filter(c -> !c.isEffective()).toList();
            if (!lacking.isEmpty()) {
                ownersNotFound = "a process at an end of a flow was not found: reading the descriptors (/proc/PID/fd) of"
                        + " another user's or a more privileged process needs CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH;"
                        + " this process lacks " + lacking.stream().map(Capability::toString).collect(Collectors.joining(", "));
                Log.LOG.warn("CPU and memory of endpoint processes not measured: {}", ownersNotFound);
            }
        }
    }

    /**
     * Names {@code pid} an owner of each socket in {@code inodes} among its descriptors, and
     * removes those from {@code found} (when not null). True when its descriptors may not be read.
     */
    private boolean readOwner(long pid, Path proc, Set<Long> inodes, Set<Long> found) {
        try (var fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                String target = readLink(fd);
                if (target != null && target.startsWith("socket:[")) {
                    long inode = Long.parseLong(target, "socket:[".length(), target.length() - 1, 10);
                    if (inodes.contains(inode)) {
                        ownersByInode.get(inode).putIfAbsent(pid, command(proc));
                        if (found != null) {
                            found.remove(inode);
                        }
                    }
                }
            }
            return false;
        } catch (AccessDeniedException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // the process exited: not an owner we can name
        }
    }

    /** What the samples lack, and why: empty while every endpoint process is found. */
    synchronized Map<String, String> notMeasured() {
        return ownersNotFound == null ? Map.of() : Map.of("endpoint processes", ownersNotFound);
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }

    /** The link's target; null for a descriptor closed meanwhile. Denied: the process is not ours to inspect. */
    private static String readLink(Path p) throws AccessDeniedException {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (AccessDeniedException e) {
            throw e;
        } catch (IOException e) {
            return null;
        }
    }

    private static String command(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public synchronized void close() {
        diags.values().forEach(SockDiag::close);
        diags.clear();
        memory.close();
    }
}
