package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.ProcessStats;
import io.latscope.bpf.NetNs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-flow throughput and loss, and CPU and memory of the processes at the flows' ends
 * (what the seed sampled with psutil every 0.1 s): TCP_INFO counters from {@code ss} in
 * every measured namespace once per interval, and {@code /proc/PID/stat}/{@code statm}
 * of the sockets' owners every 100 ms.
 */
final class EndpointSampler {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointSampler.class);
    private static final Pattern ENDPOINTS = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+(\\S+):(\\d+)\\s+(\\S+):(\\d+)\\s");
    private static final Pattern USER = Pattern.compile("\\(\"([^\"]*)\",pid=(\\d+),fd=\\d+\\)");
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final long PAGE = 4096;

    private final String host;
    private final List<NetNs> namespaces;
    private final Set<Integer> ports;

    /** Counters of one socket as ss reports them (cumulative since the socket opened). */
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
        for (NetNs ns : namespaces) {
            try {
                for (SocketInfo s : parse(ss(ns))) {
                    if (ports.isEmpty() || ports.contains(s.sending().srcPort()) || ports.contains(s.sending().dstPort())) {
                        current.put(s.sending(), s);
                    }
                }
            } catch (RuntimeException e) {
                LOG.debug("ss in {}: {}", ns, e.toString());
            }
        }
        // sockets that closed since the last sample: their final counters (unless ss still shows them)
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

    private static String ss(NetNs ns) {
        return ns.run(() -> {
            Process p = new ProcessBuilder("ss", "-tinpOH", "state", "established").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        });
    }

    /** Parses {@code ss -tinpOH state established} lines. */
    static List<SocketInfo> parse(String ssOutput) {
        List<SocketInfo> out = new ArrayList<>();
        for (String line : ssOutput.lines().toList()) {
            Matcher m = ENDPOINTS.matcher(line);
            if (!m.find()) {
                continue;
            }
            try {
                FlowKey k = new FlowKey(address(m.group(1)), Integer.parseInt(m.group(2)), address(m.group(3)),
                        Integer.parseInt(m.group(4)));
                Map<Long, String> owners = new LinkedHashMap<>();
                Matcher u = USER.matcher(line);
                while (u.find()) {
                    owners.put(Long.parseLong(u.group(2)), u.group(1));
                }
                String[] retrans = field(line, "retrans:", "0/0").split("/");
                out.add(new SocketInfo(k, num(line, "bytes_acked:"), num(line, "bytes_received:"),
                        num(line, "data_segs_out:"), num(line, "data_segs_in:"),
                        Long.parseLong(retrans[retrans.length - 1]), owners));
            } catch (IOException | RuntimeException e) {
                // a line we do not understand: skip it
            }
        }
        return out;
    }

    private static InetAddress address(String s) throws IOException {
        String a = s.startsWith("[") ? s.substring(1, s.length() - 1) : s;
        int pct = a.indexOf('%');
        if (pct >= 0) {
            a = a.substring(0, pct);
        }
        if (a.startsWith("::ffff:") && a.indexOf('.') > 0) {
            a = a.substring(7); // v4-mapped: the packets are IPv4
        }
        return InetAddress.getByName(a);
    }

    private static long num(String line, String key) {
        return Long.parseLong(field(line, key, "0"));
    }

    private static String field(String line, String key, String dflt) {
        int i = line.indexOf(" " + key);
        if (i < 0) {
            return dflt;
        }
        int start = i + 1 + key.length();
        int end = start;
        while (end < line.length() && line.charAt(end) != ' ') {
            end++;
        }
        return line.substring(start, end);
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
}
