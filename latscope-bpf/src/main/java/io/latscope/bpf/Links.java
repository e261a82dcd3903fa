package io.latscope.bpf;

import io.latscope.bpf.raw.LibBpf;
import io.latscope.bpf.raw.bpf_tc_hook;
import io.latscope.bpf.raw.bpf_tc_opts;
import io.latscope.error.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/** The kinds of {@link BpfLink}: a libbpf link, a raw link fd, a tc filter. */
final class Links {
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Links.class);
    }

    private Links() {
    }

    /** The common part: a description and one guarded release. */
    private abstract static class GuardedLink implements BpfLink {
        private final String description;
        private final Leaks.Guard guard;

        GuardedLink(String description, String what, Runnable release) {
            this.description = description;
            this.guard = Leaks.guard(this, what + " " + description, release);
        }

        public String description() {
            return description;
        }

        public boolean isClosed() {
            return guard.isReleased();
        }

        public void close() {
            guard.release();
        }

        @Override
        public String toString() {
            return "BpfLink[" + description + (isClosed() ? ", closed" : "") + "]";
        }
    }

    /** A {@code struct bpf_link *} from libbpf. */
    static final class LibbpfLink extends GuardedLink {
        LibbpfLink(MemorySegment link, String description) {
            super(description, "BPF link", () -> Calls.bpf_link__destroy(link));
        }
    }

    /** A BPF link file descriptor made by a raw {@code BPF_LINK_CREATE}. */
    static final class FdLink extends GuardedLink {
        FdLink(int fd, String description) {
            super(description, "BPF link", () -> Native.close(fd));
        }
    }

    /**
     * A tc filter attached through netlink. Not fd-based: it stays until detached, so close
     * detaches it in its namespace, and removes the clsact qdisc when LatScope created it
     * and its last own filter on that device is gone.
     */
    static final class TcLink extends GuardedLink {
        TcLink(NetNs ns, int ifindex, int attachPoint, int handle, int priority, String description) {
            super(description, "tc filter", () -> detach(ns, ifindex, attachPoint, handle, priority, description));
        }
    }

    // clsact qdiscs LatScope created, with the number of its own filters on each.
    private static final Map<String, Integer> OWN_CLSACT = new HashMap<>();

    private static String deviceKey(NetNs ns, int ifindex) {
        return ns.inode() + "/" + ifindex;
    }

    static synchronized void clsactCreated(NetNs ns, int ifindex, boolean createdNow) {
        String k = deviceKey(ns, ifindex);
        if (createdNow) {
            OWN_CLSACT.put(k, 1);
        } else {
            OWN_CLSACT.computeIfPresent(k, (key, n) -> n + 1);
        }
    }

    private static synchronized boolean lastOwnFilterGone(NetNs ns, int ifindex) {
        String k = deviceKey(ns, ifindex);
        Integer n = OWN_CLSACT.get(k);
        if (n == null) {
            return false;
        }
        if (n <= 1) {
            OWN_CLSACT.remove(k);
            return true;
        }
        OWN_CLSACT.put(k, n - 1);
        return false;
    }

    /** In the namespace: drops one own filter of the device; removes clsact after the last. */
    static void releaseClsact(Arena a, NetNs ns, int ifindex, String what) {
        if (lastOwnFilterGone(ns, ifindex)) {
            MemorySegment both = tcHook(a, ifindex, LibBpf.BPF_TC_INGRESS() | LibBpf.BPF_TC_EGRESS());
            int d = Calls.bpf_tc_hook_destroy(both);
            if (d < 0 && d != -Errno.ENOENT && d != -Errno.ENODEV && d != -Errno.EINVAL) {
                Log.LOG.warn("removing clsact qdisc for {} failed: {}", what, Errno.describe(-d));
            }
        }
    }

    static MemorySegment tcHook(Arena a, int ifindex, int attachPoint) {
        MemorySegment hook = bpf_tc_hook.allocate(a);
        bpf_tc_hook.sz(hook, bpf_tc_hook.sizeof());
        bpf_tc_hook.ifindex(hook, ifindex);
        bpf_tc_hook.attach_point(hook, attachPoint);
        return hook;
    }

    private static void detach(NetNs ns, int ifindex, int attachPoint, int handle, int priority, String what) {
        try {
            ns.run(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment hook = tcHook(a, ifindex, attachPoint);
                    MemorySegment opts = bpf_tc_opts.allocate(a);
                    bpf_tc_opts.sz(opts, bpf_tc_opts.sizeof());
                    bpf_tc_opts.handle(opts, handle);
                    bpf_tc_opts.priority(opts, priority);
                    int rc = Calls.bpf_tc_detach(hook, opts);
                    if (rc < 0 && rc != -Errno.ENOENT && rc != -Errno.ENODEV && rc != -Errno.EINVAL) {
                        Log.LOG.warn("detaching {} failed: {}", what, Errno.describe(-rc));
                    }
                    releaseClsact(a, ns, ifindex, what);
                }
                return null;
            });
        } catch (RuntimeException e) {
            // The namespace itself may be gone, and the device and its filters with it.
            Log.LOG.debug("detaching {}: {}", what, e.toString());
        }
    }
}
