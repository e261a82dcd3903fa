package io.latscope.bpf;

import io.latscope.bpf.raw.LibC;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;
import io.latscope.error.LatScopeException;
import io.latscope.error.NotSupportedException;
import io.latscope.error.VerifierException;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Feature probes: each loads (and where loading cannot decide, attaches) one minimal program
 * of the kind in question (from the bundled {@code features} object) and detaches it again.
 * Three outcomes: supported, not supported (with the kernel's reason), could not decide (a
 * transient error). Only definite answers are cached: in this process, and until the next
 * boot for processes of the same uid and capabilities ({@link FeatureCache}), so that a fresh
 * JVM's session start does not load the object once per feature again.
 */
public final class Features {
    private static final Map<Feature, FeatureStatus> CACHE = new ConcurrentHashMap<>();
    /** Answers of earlier processes this boot, read once; null until then. */
    private static Map<Feature, FeatureStatus> persisted;
    private static final FeatureCache FILE = FeatureCache.ofThisProcess();

    private Features() {
    }

    public static FeatureStatus probe(Feature feature) {
        FeatureStatus cached = CACHE.get(feature);
        if (cached != null) {
            return cached;
        }
        FeatureStatus earlier = persisted().get(feature);
        if (earlier != null) {
            CACHE.put(feature, earlier);
            return earlier;
        }
        return probeAfresh(feature);
    }

    /**
     * Probes now, whatever this or an earlier process found (the doctor's view), and keeps a
     * definite answer for later calls.
     */
    public static FeatureStatus probeAfresh(Feature feature) {
        return probeAfresh(java.util.EnumSet.of(feature)).get(feature);
    }

    /**
     * Probes each of {@code features} now, as {@link #probeAfresh(Feature)} does, and writes
     * the answers kept until reboot once for all of them.
     *
     * @param features the features to probe
     * @return each feature's answer
     */
    public static Map<Feature, FeatureStatus> probeAfresh(java.util.Set<Feature> features) {
        Map<Feature, FeatureStatus> out = new EnumMap<>(Feature.class);
        boolean kept = false;
        for (Feature f : features) {
            FeatureStatus s = run(f);
            out.put(f, s);
            if (s.isDefinite()) {
                CACHE.put(f, s);
                kept = true;
            }
        }
        if (kept && FILE != null) {
            synchronized (Features.class) {
                Map<Feature, FeatureStatus> all = new EnumMap<>(persisted());
                all.putAll(CACHE);
                FILE.write(all);
            }
        }
        return out;
    }

    private static synchronized Map<Feature, FeatureStatus> persisted() {
        if (persisted == null) {
            persisted = FILE == null ? Map.of() : FILE.read();
        }
        return persisted;
    }

    public static boolean isSupported(Feature feature) {
        return probe(feature).isSupported();
    }

    /** Throws {@link NotSupportedException} with the probe's reason unless the feature is supported. */
    public static void require(Feature feature) {
        FeatureStatus s = probe(feature);
        if (!s.isSupported()) {
            throw new NotSupportedException(feature.description(), s.reason());
        }
    }

    public static Map<Feature, FeatureStatus> probeAll() {
        Map<Feature, FeatureStatus> out = new EnumMap<>(Feature.class);
        for (Feature f : Feature.values()) {
            out.put(f, probe(f));
        }
        return out;
    }

    private static final Map<Feature, String> PROGRAM = Map.ofEntries(
            Map.entry(Feature.TP_BTF, "feat_tp_btf"), Map.entry(Feature.RAW_TRACEPOINT, "feat_raw_tp"),
            Map.entry(Feature.TRACEPOINT, "feat_tracepoint"), Map.entry(Feature.FENTRY, "feat_fentry"),
            Map.entry(Feature.KPROBE, "feat_kprobe"), Map.entry(Feature.XDP, "feat_xdp"),
            Map.entry(Feature.TC, "feat_tc"), Map.entry(Feature.CGROUP_SKB, "feat_cgroup_skb"),
            Map.entry(Feature.SOCKOPS, "feat_sockops"), Map.entry(Feature.SOCKOPS_KERN_CTX, "feat_sockops_kern_ctx"),
            Map.entry(Feature.NETFILTER, "feat_netfilter"), Map.entry(Feature.RINGBUF, "feat_ringbuf"),
            Map.entry(Feature.RDONLY_CAST, "feat_rdonly_cast"));

    private static FeatureStatus run(Feature f) {
        try {
            BpfEnvironment.check();
        } catch (NotSupportedException e) {
            return new FeatureStatus(f, FeatureStatus.Outcome.NOT_SUPPORTED, e.getMessage());
        }
        String progName = PROGRAM.get(f);
        try (BpfObject obj = BpfObject.openBundled("features")) {
            for (BpfProgram p : obj.programs()) {
                p.setAutoload(p.name().equals(progName));
            }
            obj.load();
            BpfProgram p = obj.program(progName);
            switch (f) {
                case XDP -> inThrowawayNamespace(ns -> p.attachXdp(ns, "lo", XdpMode.AUTO));
                case TC -> inThrowawayNamespace(ns -> p.attachTc(ns, "lo", TcDirection.INGRESS));
                case CGROUP_SKB, SOCKOPS -> {
                    Path root = Cgroups.v2Root();
                    try (BpfLink l = p.attachCgroup(root)) {
                        assert !l.isClosed();
                    }
                }
                case SOCKOPS_KERN_CTX, RINGBUF, RDONLY_CAST, NETFILTER -> {
                    // loading is the test: kfunc resolution / map type; the netfilter program
                    // type and its link came together (Linux 6.4, CONFIG_NETFILTER_BPF_LINK), so
                    // a kernel that loads one attaches it (no throwaway namespace needed)
                }
                default -> {
                    try (BpfLink l = p.attach()) {
                        assert !l.isClosed();
                    }
                }
            }
            return new FeatureStatus(f, FeatureStatus.Outcome.SUPPORTED, "");
        } catch (VerifierException e) {
            return new FeatureStatus(f, FeatureStatus.Outcome.NOT_SUPPORTED, e.getMessage());
        } catch (NotSupportedException e) {
            return new FeatureStatus(f, FeatureStatus.Outcome.NOT_SUPPORTED, e.getMessage());
        } catch (KernelException e) {
            return switch (e.errno()) {
                case Errno.EPERM, Errno.EINVAL, Errno.ENOENT, Errno.ESRCH, Errno.EOPNOTSUPP, Errno.ENOTSUPP,
                     Errno.ENOSYS, Errno.E2BIG -> new FeatureStatus(f, FeatureStatus.Outcome.NOT_SUPPORTED, e.getMessage());
                default -> new FeatureStatus(f, FeatureStatus.Outcome.COULD_NOT_DECIDE, e.getMessage());
            };
        } catch (LatScopeException | IllegalStateException e) {
            return new FeatureStatus(f, FeatureStatus.Outcome.COULD_NOT_DECIDE, e.getMessage());
        }
    }

    private interface NsAttach {
        BpfLink attach(NetNs ns);
    }

    /**
     * Attaches and detaches inside a namespace that exists only for this thread. Without
     * CAP_SYS_ADMIN there is none to be had, and that says nothing about the kernel: the
     * answer is "could not decide", not "not supported".
     */
    private static void inThrowawayNamespace(NsAttach work) {
        if (!Capability.SYS_ADMIN.isEffective()) {
            throw new LatScopeException("deciding needs a throwaway network namespace, and unshare(CLONE_NEWNET) needs"
                    + " CAP_SYS_ADMIN, which this process lacks");
        }
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("latscope-feature-probe").start(() -> {
            try {
                if (Calls.unshare(LibC.CLONE_NEWNET()) != 0) {
                    throw new KernelException("unshare(CLONE_NEWNET) for a feature probe", Errno.EPERM);
                }
                NetNs ns = NetNs.ofPath("feature-probe", Path.of("/proc/thread-self/ns/net"));
                try (BpfLink l = work.attach(ns)) {
                    assert !l.isClosed();
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted during a feature probe", e);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
