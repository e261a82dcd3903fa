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
 * Feature probes: each loads and attaches one minimal program of the kind in question
 * (from the bundled {@code features} object) and detaches it again. Three outcomes:
 * supported, not supported (with the kernel's reason), could not decide (a transient
 * error). Only definite answers are cached.
 */
public final class Features {
    private static final Map<Feature, FeatureStatus> CACHE = new ConcurrentHashMap<>();

    private Features() {
    }

    public static FeatureStatus probe(Feature feature) {
        FeatureStatus cached = CACHE.get(feature);
        if (cached != null) {
            return cached;
        }
        FeatureStatus s = run(feature);
        if (s.isDefinite()) {
            CACHE.put(feature, s);
        }
        return s;
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
            Map.entry(Feature.NETFILTER, "feat_netfilter"), Map.entry(Feature.RINGBUF, "feat_ringbuf"));

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
                case NETFILTER -> inThrowawayNamespace(ns ->
                        p.attachNetfilter(ns, NetfilterHook.Family.IPV4, NetfilterHook.LOCAL_OUT, 0));
                case CGROUP_SKB, SOCKOPS -> {
                    Path root = Cgroups.v2Root();
                    try (BpfLink l = p.attachCgroup(root)) {
                        assert !l.isClosed();
                    }
                }
                case SOCKOPS_KERN_CTX, RINGBUF -> {
                    // loading is the test: kfunc resolution / map type
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

    /** Attaches and detaches inside a namespace that exists only for this thread. */
    private static void inThrowawayNamespace(NsAttach work) {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("latscope-feature-probe").start(() -> {
            try {
                if (LibC.unshare(LibC.CLONE_NEWNET()) != 0) {
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
