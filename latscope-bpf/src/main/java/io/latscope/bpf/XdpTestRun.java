package io.latscope.bpf;

import io.latscope.bpf.raw.LibBpf;
import io.latscope.bpf.raw.bpf_test_run_opts;
import io.latscope.error.ConfigurationException;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;
import io.latscope.error.NotSupportedException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@code BPF_PROG_RUN} of an XDP program: once on a copy of a frame ({@link #run}),
 * or with {@code BPF_F_TEST_XDP_LIVE_FRAMES} ({@link LiveSender}), where the frame the
 * program returns {@code XDP_TX} or {@code XDP_REDIRECT} for really leaves through the
 * device — a way to send a packet that never touches the socket layer or a qdisc.
 */
public final class XdpTestRun {
    /** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
    private static final int XDP_MD_SIZE = 24;
    private static final int HEADROOM_AND_TAILROOM = 256 + 320;

    private XdpTestRun() {
    }

    /** What one test run returned: the program's verdict (XDP_PASS = 2, XDP_TX = 3, …) and the frame after it. */
    public record Result(int verdict, byte[] frame) {
        public static final int ABORTED = 0, DROP = 1, PASS = 2, TX = 3, REDIRECT = 4;

        @Override
        public String toString() {
            return "XdpTestRun.Result[verdict " + verdict + ", " + frame.length + " B]";
        }
    }

    /**
     * Runs {@code program} once on a copy of {@code frame}, as if it arrived on
     * {@code ingressIfindex} (0: no device; otherwise resolved in the calling thread's
     * network namespace). Nothing is sent.
     */
    public static Result run(BpfProgram program, byte[] frame, int ingressIfindex) {
        int progFd = program.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(frame.length);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, in, 0, frame.length);
            MemorySegment out = a.allocate(frame.length + HEADROOM_AND_TAILROOM);
            MemorySegment ctx = a.allocate(XDP_MD_SIZE, 4);
            ctx.set(ValueLayout.JAVA_INT, 4, frame.length);
            ctx.set(ValueLayout.JAVA_INT, 12, ingressIfindex);
            MemorySegment opts = bpf_test_run_opts.allocate(a);
            bpf_test_run_opts.sz(opts, bpf_test_run_opts.sizeof());
            bpf_test_run_opts.data_in(opts, in);
            bpf_test_run_opts.data_size_in(opts, frame.length);
            bpf_test_run_opts.data_out(opts, out);
            bpf_test_run_opts.data_size_out(opts, (int) out.byteSize());
            bpf_test_run_opts.ctx_in(opts, ctx);
            bpf_test_run_opts.ctx_size_in(opts, XDP_MD_SIZE);
            int rc = Calls.bpf_prog_test_run_opts(progFd, opts);
            if (rc < 0) {
                throw new KernelException("BPF_PROG_RUN of XDP program " + program.name(), -rc,
                        rc == -Errno.ENODEV ? "ingress ifindex " + ingressIfindex + " is not in this thread's namespace" : null);
            }
            int n = bpf_test_run_opts.data_size_out(opts);
            return new Result(bpf_test_run_opts.retval(opts), Arrays.copyOf(out.toArray(ValueLayout.JAVA_BYTE), n));
        }
    }

    /**
     * Sends frames through an XDP program with live frames: each {@link #send(int)} runs
     * the program once on the frame in {@link #frame()}, as if it had arrived on the
     * device, and a frame the program returns {@code XDP_TX} for leaves through that
     * device (through its {@code ndo_xdp_xmit}, like a redirect; the
     * {@code xdp_devmap_xmit} tracepoint fires when it is handed over).
     *
     * <p>Confined to the thread that opened it, which must be inside the device's
     * network namespace (e.g. a thread of your own after {@link NetNs#enterOnThisThread()}):
     * the kernel resolves the ifindex in the calling thread's namespace.
     */
    public static final class LiveSender implements AutoCloseable {
        private final BpfProgram program;
        private final Arena arena;
        private final MemorySegment frame;
        private final MemorySegment opts;
        private final MemorySegment ctx;
        private final int ifindex;
        private boolean closed;

        private LiveSender(BpfProgram program, int ifindex, int maxFrameBytes) {
            if (maxFrameBytes < 14 || maxFrameBytes > 3000) {
                throw new ConfigurationException("live XDP frames must be 14..3000 bytes, not " + maxFrameBytes);
            }
            this.program = program;
            this.ifindex = ifindex;
            this.arena = Arena.ofConfined();
            this.frame = arena.allocate(maxFrameBytes, 8);
            this.ctx = arena.allocate(XDP_MD_SIZE, 4);
            this.opts = bpf_test_run_opts.allocate(arena);
        }

        /** Opens a sender on the calling thread for {@code ifindex} of this thread's namespace. */
        public static LiveSender open(BpfProgram program, int ifindex, int maxFrameBytes) {
            program.fd();
            return new LiveSender(program, ifindex, maxFrameBytes);
        }

        /** The frame buffer; write a frame at offset 0, then {@link #send(int)} its length. */
        public MemorySegment frame() {
            return frame;
        }

        /** Runs the program once on the first {@code length} bytes of {@link #frame()}. */
        public void send(int length) {
            if (closed) {
                throw new IllegalStateException("live XDP sender of " + program.name() + " is closed");
            }
            if (length < 14 || length > frame.byteSize()) {
                throw new IllegalArgumentException("frame length " + length + " outside 14.." + frame.byteSize());
            }
            opts.fill((byte) 0);
            ctx.fill((byte) 0);
            ctx.set(ValueLayout.JAVA_INT, 4, length);
            ctx.set(ValueLayout.JAVA_INT, 12, ifindex);
            bpf_test_run_opts.sz(opts, bpf_test_run_opts.sizeof());
            bpf_test_run_opts.data_in(opts, frame);
            bpf_test_run_opts.data_size_in(opts, length);
            bpf_test_run_opts.ctx_in(opts, ctx);
            bpf_test_run_opts.ctx_size_in(opts, XDP_MD_SIZE);
            bpf_test_run_opts.flags(opts, LibBpf.BPF_F_TEST_XDP_LIVE_FRAMES());
            bpf_test_run_opts.repeat(opts, 1);
            int rc = Calls.bpf_prog_test_run_opts(program.fd(), opts);
            if (rc < 0) {
                throw failure(-rc);
            }
        }

        private RuntimeException failure(int errno) {
            String what = "BPF_PROG_RUN with live frames of " + program.name() + " on ifindex " + ifindex;
            if (errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP || errno == Errno.ENOTSUPP) {
                return new NotSupportedException("XDP live frames (BPF_F_TEST_XDP_LIVE_FRAMES)", what + ": "
                        + Errno.describe(errno) + " (needs Linux 5.18+)");
            }
            return new KernelException(what, errno, errno == Errno.ENODEV
                    ? "no such device in the calling thread's network namespace" : null);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                arena.close();
            }
        }
    }
}
