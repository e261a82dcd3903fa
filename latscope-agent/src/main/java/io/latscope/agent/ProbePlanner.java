package io.latscope.agent;

import io.latscope.Diagnosis;
import io.latscope.Diagnosis.Check;
import io.latscope.Diagnosis.PointPlan;
import io.latscope.Diagnosis.Status;
import io.latscope.SessionSpec;
import io.latscope.bpf.BpfEnvironment;
import io.latscope.bpf.Cgroups;
import io.latscope.bpf.Feature;
import io.latscope.bpf.FeatureStatus;
import io.latscope.bpf.Features;
import io.latscope.error.KernelRelease;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link LocalProbes} would attach for a spec on this kernel, and why, found out with the
 * feature probes only (each loads and detaches one minimal program) and tracefs: the
 * diagnosis {@code latscope doctor} prints.
 */
final class ProbePlanner {
    private static final Path TRACEFS = StandIns.TRACEFS;
    /** The tracepoints of each point, as tracefs names them (subsystem/event). */
    private static final Map<ProbePoint, List<String>> TRACEPOINTS = new EnumMap<>(Map.of(
            ProbePoint.TX_SOCK, List.of("tcp/tcp_sendmsg_locked"),
            ProbePoint.TX_DEV, List.of("net/net_dev_queue"),
            ProbePoint.TX_XMIT, List.of("net/net_dev_start_xmit"),
            ProbePoint.RX_DEV, List.of("net/netif_rx", "net/napi_gro_receive_entry", "net/netif_receive_skb_entry"),
            ProbePoint.RX_TCP, List.of("tcp/tcp_probe"),
            ProbePoint.RX_SOCK, List.of("sock/sk_data_ready"),
            ProbePoint.RX_APP, List.of("sock/sock_recv_length")));

    /** Program types LatScope can do without, and what it uses instead. */
    private static final Map<Feature, String> OPTIONAL = new EnumMap<>(Map.of(
            Feature.FENTRY, "tx.tcp uses sockops instead",
            Feature.KPROBE, "LatScope uses no kprobes",
            Feature.TRACEPOINT, "tp_btf is used instead",
            Feature.XDP, "only clock sync across hosts needs it",
            Feature.TC, "not used by the probes",
            Feature.CGROUP_SKB, "not used by the probes",
            Feature.RDONLY_CAST, "the pre-6.2 probe object parses from copies and reads sockets through helpers"));

    private ProbePlanner() {
    }

    /** A feature probe's reason up to its first clause: the errno, without libbpf's log. */
    private static String shortReason(FeatureStatus s) {
        String r = s.reason() == null ? "" : s.reason();
        int semi = r.indexOf(';');
        return semi > 0 ? r.substring(0, semi) : r;
    }

    static Diagnosis diagnose(SessionSpec spec) {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("kernel", Status.OK, KernelRelease.get()));
        List<String> env = BpfEnvironment.problems();
        checks.add(check("privileges", env.stream().filter(p -> p.contains("privileges")).findFirst().orElse(null),
                "root, or CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN"));
        checks.add(check("kernel BTF", env.stream().filter(p -> p.contains("BTF")).findFirst().orElse(null),
                "/sys/kernel/btf/vmlinux"));
        checks.add(check("libbpf", env.stream().filter(p -> p.contains("libbpf")).findFirst().orElse(null), "libbpf.so.1 loads"));
        checks.add(check("tracefs", Files.isDirectory(TRACEFS) ? null
                : "tracefs is not mounted at /sys/kernel/tracing (mount -t tracefs tracefs /sys/kernel/tracing)", "mounted"));
        String cgroup;
        try {
            cgroup = "cgroup v2 at " + Cgroups.v2Root();
            checks.add(new Check("cgroup v2", Status.OK, cgroup));
        } catch (RuntimeException e) {
            checks.add(new Check("cgroup v2", Status.MISSING, e.getMessage()));
        }
        Map<Feature, FeatureStatus> f = new EnumMap<>(Feature.class);
        HookPreference hooks = HookPreference.current();
        if (env.isEmpty()) {
            Map<Feature, FeatureStatus> fresh = Features.probeAfresh(java.util.EnumSet.allOf(Feature.class)); // one cache write
            for (Feature x : Feature.values()) {
                FeatureStatus s = x == Feature.FENTRY ? hooks.fentry(fresh.get(x)) : fresh.get(x);
                f.put(x, s);
                String instead = OPTIONAL.get(x);
                Status st = s.isSupported() ? Status.OK : !s.isDefinite() ? Status.UNKNOWN
                        : instead != null ? Status.OPTIONAL : Status.MISSING;
                checks.add(new Check(x.description(), st, s.isSupported() ? "supported"
                        : instead != null ? "not available; " + instead + " (" + shortReason(s) + ")" : s.reason()));
            }
        }
        List<PointPlan> points = new ArrayList<>();
        for (ProbePoint p : ProbePoint.forLayers(spec.layers())) {
            points.add(plan(p, f, spec.sampling().syscallBoundaries(), env.isEmpty(), hooks));
        }
        return new Diagnosis(checks, points);
    }

    private static Check check(String name, String problem, String ok) {
        return problem == null ? new Check(name, Status.OK, ok) : new Check(name, Status.MISSING, problem);
    }

    private static PointPlan plan(ProbePoint p, Map<Feature, FeatureStatus> f, boolean syscalls, boolean usable,
                                  HookPreference hooks) {
        io.latscope.Point point = p.point();
        if (!usable) {
            return new PointPlan(point, p.layer(), p.kernelPoint(), false, "no BPF here: see the failed checks above");
        }
        return switch (p) {
            case TX_TCP -> {
                FeatureStatus fentry = f.get(Feature.FENTRY);
                if (fentry.isSupported()) {
                    yield new PointPlan(point, p.layer(), "fentry/__tcp_transmit_skb", true,
                            "BPF trampolines are allowed: the segment as TCP transmits it");
                }
                if (!f.get(Feature.RDONLY_CAST).isSupported()) {
                    yield new PointPlan(point, p.layer(), "fentry/__tcp_transmit_skb", false, "this kernel has neither BPF"
                            + " trampolines (" + shortReason(fentry) + ") nor bpf_cast_to_kern_ctx for sockops (Linux 6.2+)");
                }
                boolean ok = f.get(Feature.SOCKOPS).isSupported() && f.get(Feature.SOCKOPS_KERN_CTX).isSupported();
                yield new PointPlan(point, p.layer(), "sockops HDR_OPT_LEN (+ iter/tcp for open connections)", ok,
                        ok ? "fentry is not allowed here (" + shortReason(fentry) + "): the sockops header callback is the"
                                + " per-segment TCP transmit point without it"
                                : "sockops with bpf_cast_to_kern_ctx is not supported: " + f.get(Feature.SOCKOPS_KERN_CTX).reason());
            }
            case TX_IP, RX_IP -> {
                boolean ok = f.get(Feature.NETFILTER).isSupported();
                String hook = "netfilter " + (p == ProbePoint.TX_IP ? "LOCAL_OUT" : "PRE_ROUTING") + " (IPv4+IPv6, per namespace)";
                if (hooks.standIn(!ok) && f.get(Feature.FENTRY).isSupported()) {
                    yield new PointPlan(point, p.layer(), StandIns.of(p).orElseThrow().hook(), true, (ok ? HookPreference.PROPERTY
                            + "=fentry" : "netfilter BPF links are not supported (" + shortReason(f.get(Feature.NETFILTER)) + ")")
                            + ": the functions that run the "
                            + (p == ProbePoint.TX_IP ? "LOCAL_OUT" : "PRE_ROUTING") + " hook, through BPF trampolines");
                }
                yield new PointPlan(point, p.layer(), hook, ok, ok ? "netfilter BPF links (kernel 6.4+): parsed IP and TCP headers"
                        : "netfilter BPF links are not supported: " + f.get(Feature.NETFILTER).reason()
                        + "; nor BPF trampolines for a stand-in: " + shortReason(f.get(Feature.FENTRY)));
            }
            default -> tracepoint(p, f, syscalls, hooks);
        };
    }

    private static PointPlan tracepoint(ProbePoint p, Map<Feature, FeatureStatus> f, boolean syscalls, HookPreference hooks) {
        List<String> tps = TRACEPOINTS.get(p);
        List<String> present = tps.stream().filter(t -> Files.isDirectory(TRACEFS.resolve(t))).toList();
        String hook = "tp_btf/" + String.join(", ", tps.stream().map(t -> t.substring(t.indexOf('/') + 1)).toList());
        if (!f.get(Feature.TP_BTF).isSupported()) {
            return new PointPlan(p.point(), p.layer(), hook, false, "tp_btf programs are not supported: " + f.get(Feature.TP_BTF).reason());
        }
        if (hooks.standIn(present.isEmpty()) && StandIns.of(p).isPresent() && f.get(Feature.FENTRY).isSupported()) {
            StandIns.StandIn si = StandIns.of(p).orElseThrow();
            return new PointPlan(p.point(), p.layer(), si.hook(), true, (present.isEmpty() ? "this kernel has no tracepoint "
                    + si.tracepoint() + ": the function that fires it on newer kernels" : HookPreference.PROPERTY + "=fentry: the"
                    + " function that fires tracepoint " + si.tracepoint()) + ", through a BPF trampoline"
                    + (syscalls && p == ProbePoint.TX_SOCK ? "; time from tcp_sendmsg's entry, before the socket lock (syscallBoundaries)" : ""));
        }
        if (present.isEmpty()) {
            return new PointPlan(p.point(), p.layer(), hook, false, "this kernel has no tracepoint " + String.join(" or ", tps)
                    + (p == ProbePoint.RX_SOCK ? " (sk_data_ready came with Linux 6.6)" : ""));
        }
        String why = "BTF tracepoint: stable across kernels, the baseline";
        if (p == ProbePoint.TX_SOCK && syscalls) {
            // FENTRY is already NOT_SUPPORTED under latscope.hooks=tracepoints
            List<WriteEntry> ways;
            try {
                ways = WriteEntry.candidates(f.get(Feature.FENTRY).isSupported());
            } catch (io.latscope.error.ConfigurationException e) {
                return new PointPlan(p.point(), p.layer(), hook, false, e.getMessage());
            }
            why = ways.stream()
                    .filter(e -> switch (e) {
                        case FENTRY -> true;
                        case FIRST_COPY -> Files.isDirectory(TRACEFS.resolve("sock/sock_send_length"));
                        case SYS_ENTER -> f.get(Feature.RAW_TRACEPOINT).isSupported();
                    })
                    .findFirst()
                    .map(e -> switch (e) {
                        case FENTRY -> "time from tcp_sendmsg's entry, before the socket lock (fentry), syscallBoundaries is on";
                        case FIRST_COPY -> "time from the write's first pass of the copy loop, or from its sleep on the"
                                + " socket's lock before it (sched_switch); a preemption on its way to the lock is not"
                                + " included (" + WriteEntry.PROPERTY + "=sys_enter includes it at the cost of every system"
                                + " call on the host), syscallBoundaries is on";
                        case SYS_ENTER -> "time from the write system call's entry (raw sys_enter), syscallBoundaries is on";
                    })
                    .orElse("at each pass of the kernel's copy: no way to the write's entry on this kernel ("
                            + WriteEntry.PROPERTY + "=" + System.getProperty(WriteEntry.PROPERTY, "auto") + ")");
        } else if (p == ProbePoint.TX_SOCK) {
            why = "time from the kernel's copy into the socket (syscallBoundaries is off)";
        } else if (p == ProbePoint.RX_APP) {
            why = "time when the read's copy is done and the socket's lock released (the system call only returns after it)";
        }
        if (p == ProbePoint.RX_DEV) {
            why = "whichever of these the driver calls (veth: netif_rx, or napi_gro_receive with GRO/XDP)";
        }
        return new PointPlan(p.point(), p.layer(), hook, true, why);
    }
}
