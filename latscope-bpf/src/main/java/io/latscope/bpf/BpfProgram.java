package io.latscope.bpf;

import io.latscope.bpf.raw.LibBpf;
import io.latscope.bpf.raw.LibC;
import io.latscope.bpf.raw.bpf_link_create_opts;
import io.latscope.bpf.raw.bpf_tc_opts;
import io.latscope.bpf.raw.bpf_test_run_opts;
import io.latscope.error.ConfigurationException;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;
import io.latscope.error.NotSupportedException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program of a {@link BpfObject}. The object owns the program's file descriptor; every
 * {@code attach…} returns a {@link BpfLink} the caller owns and must close.
 */
public final class BpfProgram {
    /** BPF_PROG_TYPE_NETFILTER and BPF_NETFILTER: newer than libbpf 1.1's headers. */
    static final int PROG_TYPE_NETFILTER = 32;
    static final int ATTACH_NETFILTER = 45;
    private static final int BPF_LINK_CREATE = 28;
    private static final int BPF_ITER_CREATE = 33;
    private static final int ATTACH_TRACE_ITER = 28;

    private final BpfObject owner;
    private final MemorySegment handle;
    private final String name;
    private final String section;

    BpfProgram(BpfObject owner, MemorySegment handle) {
        this.owner = owner;
        this.handle = handle;
        this.name = Native.string(Calls.bpf_program__name(handle));
        this.section = Native.string(Calls.bpf_program__section_name(handle));
    }

    public String name() {
        return name;
    }

    /** ELF section, e.g. "tp_btf/net_dev_queue", which also tells libbpf how to attach it. */
    public String section() {
        return section;
    }

    public int type() {
        return Calls.bpf_program__type(handle);
    }

    public int fd() {
        owner.requireOpen();
        int fd = Calls.bpf_program__fd(handle);
        if (fd < 0) {
            throw new IllegalStateException("program " + name + " is not loaded"
                    + (autoload() ? " (load the object first)" : " (autoload is off)"));
        }
        return fd;
    }

    public boolean isLoaded() {
        return Calls.bpf_program__fd(handle) >= 0;
    }

    public boolean autoload() {
        return Calls.bpf_program__autoload(handle);
    }

    /** Before load: whether this program is loaded with the object. */
    public BpfProgram setAutoload(boolean autoload) {
        owner.requireNotLoaded("change autoload of " + name);
        Native.check(Calls.bpf_program__set_autoload(handle, autoload), "set autoload of " + name);
        return this;
    }

    void setTypeForUnknownSection(int type, int expectedAttachType) {
        Native.check(Calls.bpf_program__set_type(handle, type), "set type of " + name);
        Native.check(Calls.bpf_program__set_expected_attach_type(handle, expectedAttachType),
                "set expected attach type of " + name);
    }

    MemorySegment handle() {
        return handle;
    }

    // ---- attach ------------------------------------------------------------------------

    /** A libbpf attach call: the link, or NULL with errno in the slot. */
    private interface AttachCall {
        MemorySegment attach(Arena a, MemorySegment errnoSlot, MemorySegment prog);
    }

    private BpfLink libbpfLink(AttachCall call, String what) {
        int progFd = fd();
        assert progFd >= 0;
        boolean heard = LibbpfLog.active();
        Attached a = attachOnce(call);
        if (a.link().equals(MemorySegment.NULL) && !heard) { // again, to hear libbpf say why
            LibbpfLog.activate();
            a = attachOnce(call);
        }
        if (a.link().equals(MemorySegment.NULL)) {
            throw attachFailure(what, a.errno(), a.said());
        }
        return new Links.LibbpfLink(a.link(), what);
    }

    private record Attached(MemorySegment link, int errno, String said) {
    }

    /** One libbpf attach call: the link (NULL when it failed), errno and what libbpf said. */
    private Attached attachOnce(AttachCall call) {
        LibbpfLog.startCapture();
        String said;
        MemorySegment link;
        int errno;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.errnoSlot(a);
            link = call.attach(a, st, handle);
            errno = Native.errno(st);
        } finally {
            said = LibbpfLog.endCapture();
        }
        return new Attached(link, errno, said);
    }

    private RuntimeException attachFailure(String what, int errno, String libbpfSaid) {
        String detail = libbpfSaid.isBlank() ? "" : "; libbpf: " + libbpfSaid.strip().replace('\n', ' ');
        if (errno == Errno.EPERM || errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP || errno == Errno.ENOENT) {
            return new NotSupportedException("attaching " + what, Errno.describe(errno) + detail);
        }
        return new KernelException("attaching " + what, errno, detail.isEmpty() ? null : detail.substring(2));
    }

    /** Attaches as the section name says (tp_btf/…, raw_tp/…, tracepoint/…, fentry/…). */
    public BpfLink attach() {
        return libbpfLink((a, st, p) -> Calls.bpf_program__attach(st, p), section + " (" + name + ")");
    }

    public BpfLink attachTracepoint(String category, String tracepoint) {
        return libbpfLink((a, st, p) -> Calls.bpf_program__attach_tracepoint(st, p, a.allocateFrom(category),
                a.allocateFrom(tracepoint)), "tracepoint/" + category + "/" + tracepoint + " (" + name + ")");
    }

    public BpfLink attachRawTracepoint(String tracepoint) {
        return libbpfLink((a, st, p) -> Calls.bpf_program__attach_raw_tracepoint(st, p, a.allocateFrom(tracepoint)),
                "raw_tp/" + tracepoint + " (" + name + ")");
    }

    /** tp_btf, fentry, fexit: the target comes from the section name. */
    public BpfLink attachTrace() {
        return libbpfLink((a, st, p) -> Calls.bpf_program__attach_trace(st, p), section + " (" + name + ")");
    }

    /** cgroup_skb, sockops, …: attaches to a cgroup v2 directory (effective for its descendants). */
    public BpfLink attachCgroup(Path cgroupDir) {
        if (!Files.isDirectory(cgroupDir)) {
            throw new ConfigurationException("cgroup directory " + cgroupDir + " does not exist");
        }
        int cg = Native.open(cgroupDir.toString(), LibC.O_RDONLY() | LibC.O_DIRECTORY() | LibC.O_CLOEXEC());
        try {
            return libbpfLink((a, st, p) -> Calls.bpf_program__attach_cgroup(st, p, cg),
                    section + " on cgroup " + cgroupDir + " (" + name + ")");
        } finally {
            Native.close(cg);
        }
    }

    /** XDP on a device in a namespace, as a BPF link (detached when the link closes). */
    public BpfLink attachXdp(NetNs ns, String ifname, XdpMode mode) {
        int progFd = fd();
        return ns.run(() -> {
            int ifindex = Interfaces.index(ns, ifname);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment opts = bpf_link_create_opts.allocate(a);
                bpf_link_create_opts.sz(opts, bpf_link_create_opts.sizeof());
                bpf_link_create_opts.flags(opts, mode.flags);
                int fd = Calls.bpf_link_create(progFd, ifindex, LibBpf.BPF_XDP(), opts);
                if (fd < 0) {
                    String hint = switch (-fd) {
                        case Errno.EBUSY, Errno.EEXIST -> "another XDP program is attached to " + ifname;
                        case Errno.EOPNOTSUPP -> mode == XdpMode.NATIVE ? "driver of " + ifname
                                + " has no native XDP; use XdpMode.GENERIC" : null;
                        default -> null;
                    };
                    throw new KernelException("attaching XDP program " + name + " to " + ifname + " in " + ns, -fd, hint);
                }
                XdpMode actual = mode != XdpMode.AUTO ? mode : Interfaces.xdpModeOf(ifindex);
                return new Links.FdLink(fd, "xdp " + name + " on " + ifname + " in " + ns + " (" + actual + ")");
            }
        });
    }

    /** A clsact tc filter on a device in a namespace. The clsact qdisc is created when missing. */
    public BpfLink attachTc(NetNs ns, String ifname, TcDirection direction) {
        int progFd = fd();
        return ns.run(() -> {
            int ifindex = Interfaces.index(ns, ifname);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment hook = Links.tcHook(a, ifindex, direction.attachPoint);
                int rc = Calls.bpf_tc_hook_create(hook);
                if (rc < 0 && rc != -Errno.EEXIST) {
                    throw new KernelException("creating clsact qdisc on " + ifname + " in " + ns, -rc);
                }
                Links.clsactCreated(ns, ifindex, rc == 0);
                MemorySegment opts = bpf_tc_opts.allocate(a);
                bpf_tc_opts.sz(opts, bpf_tc_opts.sizeof());
                bpf_tc_opts.prog_fd(opts, progFd);
                rc = Calls.bpf_tc_attach(hook, opts);
                if (rc < 0) {
                    Links.releaseClsact(a, ns, ifindex, ifname);
                    throw new KernelException("attaching tc program " + name + " to " + ifname + " " + direction
                            + " in " + ns, -rc);
                }
                return new Links.TcLink(ns, ifindex, direction.attachPoint, bpf_tc_opts.handle(opts),
                        bpf_tc_opts.priority(opts), "tc " + direction.name().toLowerCase() + " " + name + " on " + ifname
                        + " in " + ns + " (handle " + bpf_tc_opts.handle(opts) + ", prio " + bpf_tc_opts.priority(opts) + ")");
            }
        });
    }

    /**
     * A netfilter program on a hook of one namespace, through a raw {@code BPF_LINK_CREATE}
     * (libbpf 1.1 has no helper). The link binds to the namespace it is created in.
     */
    public BpfLink attachNetfilter(NetNs ns, NetfilterHook.Family family, NetfilterHook hook, int priority) {
        if (priority == Integer.MIN_VALUE || priority == Integer.MAX_VALUE) {
            throw new ConfigurationException("netfilter priority must be between INT_MIN and INT_MAX, exclusive");
        }
        int progFd = fd();
        String what = "netfilter " + family + " " + hook + " " + name + " in " + ns + " (prio " + priority + ")";
        return ns.run(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment attr = a.allocate(128, 8);
                attr.set(ValueLayout.JAVA_INT, 16, family.pf);
                attr.set(ValueLayout.JAVA_INT, 20, hook.hooknum);
                attr.set(ValueLayout.JAVA_INT, 24, priority);
                int fd = linkCreate(attr, progFd, ATTACH_NETFILTER, what, "netfilter BPF links",
                        " (needs Linux 6.4+ with CONFIG_NETFILTER_BPF_LINK)");
                return new Links.FdLink(fd, what);
            }
        });
    }

    /**
     * A raw {@code BPF_LINK_CREATE} of program {@code progFd} with {@code attr}, whose
     * attach-type-specific fields the caller filled in; EINVAL or EOPNOTSUPP mean the kernel
     * lacks {@code feature} ({@code hint} says what it needs).
     */
    private static int linkCreate(MemorySegment attr, int progFd, int attachType, String what, String feature, String hint) {
        attr.set(ValueLayout.JAVA_INT, 0, progFd);
        attr.set(ValueLayout.JAVA_INT, 8, attachType);
        long fd = Native.bpfSyscall(BPF_LINK_CREATE, attr);
        if (fd < 0) {
            int errno = (int) -fd;
            if (errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP) {
                throw new NotSupportedException(feature, "BPF_LINK_CREATE for " + what + ": " + Errno.describe(errno) + hint);
            }
            throw new KernelException("BPF_LINK_CREATE for " + what, errno);
        }
        return (int) fd;
    }

    /**
     * Runs an iterator program ({@code SEC("iter/...")}) once over the objects of a namespace:
     * a {@code BPF_TRACE_ITER} link, an iterator made inside {@code ns} (socket iterators walk
     * the namespace they are created in), read to its end; link and iterator are closed after.
     * Raw {@code bpf()} commands: the bindings hold no libbpf iterator calls.
     *
     * @return what the program wrote ({@code bpf_seq_write}/{@code bpf_seq_printf})
     */
    public byte[] runIterator(NetNs ns) {
        int progFd = fd();
        String what = "iterator " + name + " in " + ns;
        return ns.run(() -> {
            try (Arena a = Arena.ofConfined()) {
                int link = linkCreate(a.allocate(128, 8), progFd, ATTACH_TRACE_ITER, what, "BPF iterators", "");
                try {
                    MemorySegment iterAttr = a.allocate(16, 8);
                    iterAttr.set(ValueLayout.JAVA_INT, 0, link);
                    long it = Native.bpfSyscall(BPF_ITER_CREATE, iterAttr);
                    if (it < 0) {
                        throw new KernelException("BPF_ITER_CREATE for " + what, (int) -it);
                    }
                    try {
                        MemorySegment buf = a.allocate(4096);
                        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                        for (long n; (n = Native.read((int) it, buf, "read of " + what)) > 0; ) {
                            out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                        }
                        return out.toByteArray();
                    } finally {
                        Native.close((int) it);
                    }
                } finally {
                    Native.close(link);
                }
            }
        });
    }

    /**
     * Runs a raw_tp program once through {@code BPF_PROG_TEST_RUN} with {@code args} as its
     * tracepoint arguments; returns the program's return value.
     */
    public int testRunRawTracepoint(long... args) {
        int progFd = fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ValueLayout.JAVA_LONG, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                ctx.setAtIndex(ValueLayout.JAVA_LONG, i, args[i]);
            }
            MemorySegment opts = bpf_test_run_opts.allocate(a);
            bpf_test_run_opts.sz(opts, bpf_test_run_opts.sizeof());
            bpf_test_run_opts.ctx_in(opts, ctx);
            bpf_test_run_opts.ctx_size_in(opts, (int) (8L * args.length));
            Native.check(Calls.bpf_prog_test_run_opts(progFd, opts), "BPF_PROG_TEST_RUN of " + name);
            return bpf_test_run_opts.retval(opts);
        }
    }

    @Override
    public String toString() {
        return "BpfProgram[" + name + ", " + section + (isLoaded() ? ", fd " + Calls.bpf_program__fd(handle) : "") + "]";
    }
}
