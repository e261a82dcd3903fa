package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.ProcessStats;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.SockDiag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-flow throughput and loss, and CPU and memory of the processes at the flows' ends
 * (what the seed sampled with psutil every 0.1 s): {@code tcp_info} counters of the
 * established sockets in every measured namespace once per interval, read over sock_diag
 * netlink ({@link SockDiag}: no process started, no walk of every process's descriptors
 * as {@code ss -p} does), owners found by socket inode in {@code /proc/PID/fd} only when a
 * socket is new, and {@code /proc/PID/stat}/{@code statm} of the owners every 100 ms.
 */
final class EndpointSampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointSampler.class);
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final long PAGE = 4096;

    private final String host;
    private final List<NetNs> namespaces;
    private final Set<Integer> ports;

    /** Counters of one socket as tcp_info reports them (cumulative since the socket opened). */
    record SocketInfo(FlowKey sending, long bytesAcked, long bytesReceived, long dataSegsOut, long dataSegsIn,
                      long retransTotal, Map<Long, String> owners) {
    }

    /** Size of struct ls_flow_end (probes.h): a socket's final counters. */
    static final int FLOW_END_SIZE = 96;

    private final Map<FlowKey, SocketInfo> last = new HashMap<>();
    private final List<SocketInfo> closed = new ArrayList<>();
    private final Map<FlowKey, Long> seen = new HashMap<>();
    private final Map<Long, long[]> cpuAt = new HashMap<>();   // pid -> {ticks, nanoTime}
    private final Map<Long, Long> rssMax = new HashMap<>();
    private final Map<Long, String> commands = new HashMap<>();
    private final Map<Long, FlowKey> pidFlow = new HashMap<>();
    private final Map<NetNs, SockDiag> diags = new HashMap<>();
    private final Set<NetNs> diagFailed = new HashSet<>();
    private final Map<Long, Map<Long, String>> ownersByInode = new HashMap<>();
    private long lastSampleNanos = System.nanoTime();

    EndpointSampler(String host, List<NetNs> namespaces, Set<Integer> ports) {
        this.host = host;
        this.namespaces = List.copyOf(namespaces);
        this.ports = Set.copyOf(ports);
    }

    /** Decodes a struct ls_flow_end record. */
    static SocketInfo decodeFlowEnd(java.lang.foreign.MemorySegment seg, long off) {
        FlowKey k = MarkerJoiner.flowKeyOf(seg, off);
        var L = java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
        var I = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
        return new SocketInfo(k, seg.get(L, off + 64), seg.get(L, off + 72), Integer.toUnsignedLong(seg.get(I, off + 80)),
                Integer.toUnsignedLong(seg.get(I, off + 84)), Integer.toUnsignedLong(seg.get(I, off + 88)), Map.of());
    }

    /** A socket closed: its final counters (from the draining thread). */
    synchronized void flowEnded(SocketInfo finalCounters) {
        closed.add(finalCounters);
    }

    /** Every 100 ms: memory peaks of the known endpoint processes. */
    synchronized void sampleProcesses() {
        for (Long pid : pidFlow.keySet()) {
            long rss = rss(pid);
            if (rss >= 0) {
                rssMax.merge(pid, rss, Math::max);
            }
        }
    }

    /** Once per interval: flow counters since the last call, and the endpoints' CPU and peak memory. */
    synchronized Result interval() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
        lastSampleNanos = now;
        Map<FlowKey, SocketInfo> current = new LinkedHashMap<>();
        List<SockDiag.TcpSocket> sockets = new ArrayList<>();
        for (NetNs ns : namespaces) {
            for (SockDiag.TcpSocket t : established(ns)) {
                if (ports.isEmpty() || ports.contains(t.local().getPort()) || ports.contains(t.remote().getPort())) {
                    sockets.add(t);
                }
            }
        }
        resolveOwners(sockets);
        for (SockDiag.TcpSocket t : sockets) {
            FlowKey k = new FlowKey(t.local().getAddress(), t.local().getPort(), t.remote().getAddress(), t.remote().getPort());
            current.put(k, new SocketInfo(k, t.bytesAcked(), t.bytesReceived(), t.dataSegsOut(), t.dataSegsIn(),
                    t.totalRetrans(), ownersByInode.getOrDefault(t.inode(), Map.of())));
        }
        // sockets that closed since the last sample: their final counters (unless sock_diag still shows them)
        List<FlowKey> ended = new ArrayList<>();
        for (SocketInfo s : closed) {
            if (!current.containsKey(s.sending())
                    && (ports.isEmpty() || ports.contains(s.sending().srcPort()) || ports.contains(s.sending().dstPort()))) {
                SocketInfo known = last.get(s.sending());
                current.put(s.sending(), new SocketInfo(s.sending(), s.bytesAcked(), s.bytesReceived(), s.dataSegsOut(),
                        s.dataSegsIn(), s.retransTotal(), known == null ? Map.of() : known.owners()));
                ended.add(s.sending());
            }
        }
        closed.clear();
        List<FlowStats> flows = new ArrayList<>();
        for (SocketInfo s : current.values()) {
            SocketInfo before = last.get(s.sending());
            long bytes = s.bytesAcked() - (before == null ? 0 : before.bytesAcked());
            long segs = s.dataSegsOut() - (before == null ? 0 : before.dataSegsOut());
            long retrans = s.retransTotal() - (before == null ? 0 : before.retransTotal());
            if (bytes > 0 || segs > 0) {
                flows.add(new FlowStats(s.sending(), host, bytes, segs, retrans, bytes * 8.0 / seconds));
            }
            s.owners().forEach((pid, cmd) -> {
                pidFlow.put(pid, s.sending());
                commands.put(pid, cmd);
            });
        }
        // A socket missing from this sample may have closed with its final counters still
        // on their way through the ring: keep its last sample until they come.
        last.putAll(current);
        ended.forEach(last::remove);
        seen.keySet().retainAll(last.keySet());
        current.keySet().forEach(k -> seen.put(k, now));
        last.keySet().removeIf(k -> now - seen.getOrDefault(k, now) > 60_000_000_000L);
        List<ProcessStats> procs = new ArrayList<>();
        for (Map.Entry<Long, FlowKey> e : pidFlow.entrySet()) {
            long pid = e.getKey();
            long ticks = cpuTicks(pid);
            if (ticks < 0) {
                continue; // exited
            }
            long[] prev = cpuAt.put(pid, new long[] {ticks, now});
            double cpu = prev == null ? 0 : 100.0 * (ticks - prev[0]) / TICKS_PER_SECOND / ((now - prev[1]) / 1e9);
            long rss = Math.max(rssMax.getOrDefault(pid, 0L), Math.max(0, rss(pid)));
            procs.add(new ProcessStats(host, pid, commands.getOrDefault(pid, "?"), e.getValue(), cpu, rss));
        }
        pidFlow.keySet().removeIf(pid -> cpuTicks(pid) < 0);
        rssMax.clear();
        return new Result(flows, procs);
    }

    record Result(List<FlowStats> flows, List<ProcessStats> processes) {
    }

    /** The namespace's established sockets; a namespace whose sock_diag fails is reported once and skipped. */
    private List<SockDiag.TcpSocket> established(NetNs ns) {
        try {
            SockDiag d = diags.get(ns);
            if (d == null) {
                d = SockDiag.open(ns);
                diags.put(ns, d);
            }
            List<SockDiag.TcpSocket> r = d.established();
            diagFailed.remove(ns);
            return r;
        } catch (RuntimeException e) {
            if (diagFailed.add(ns)) {
                LOG.warn("no flow counters from network namespace {}: {}", ns.name(), e.getMessage());
            }
            SockDiag d = diags.remove(ns);
            if (d != null) {
                d.close();
            }
            return List.of();
        }
    }

    /**
     * Owners (pid to command) of the sockets, by inode. Sockets seen before keep theirs; for
     * new ones every process's descriptors are read once ({@code socket:[inode]} links).
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
        for (Long inode : wanted) {
            ownersByInode.put(inode, new LinkedHashMap<>());
        }
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                try (var fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        String target = readLink(fd);
                        if (target != null && target.startsWith("socket:[")) {
                            long inode = Long.parseLong(target, "socket:[".length(), target.length() - 1, 10);
                            if (wanted.contains(inode)) {
                                ownersByInode.get(inode).putIfAbsent(pid, command(proc));
                            }
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the process exited or hides its descriptors: not an owner we can name
                }
            }
        } catch (IOException e) {
            LOG.debug("reading /proc: {}", e.toString());
        }
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
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

    private static long rss(long pid) {
        try {
            String[] f = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).strip().split(" ");
            return Long.parseLong(f[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public synchronized void close() {
        diags.values().forEach(SockDiag::close);
        diags.clear();
    }
}
