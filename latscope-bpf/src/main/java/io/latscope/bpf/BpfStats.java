package io.latscope.bpf;

import io.latscope.bpf.raw.LibBpf;
import io.latscope.bpf.raw.bpf_prog_info;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel run-time statistics of BPF programs ({@code BPF_ENABLE_STATS}): while a handle
 * is open the kernel counts runs and nanoseconds per program, at a small cost per run,
 * so keep it open only while measuring probe self-cost.
 */
public final class BpfStats implements AutoCloseable {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private final Leaks.Guard guard;

    private BpfStats(int fd) {
        this.guard = Leaks.guard(this, "BPF run-time statistics", () -> Native.close(fd));
    }

    /**
     * Turns on run-time statistics until {@link #close()} (the kernel reference-counts this).
     *
     * @throws KernelException with {@link Errno#EPERM} when the process lacks CAP_SYS_ADMIN
     */
    public static BpfStats enable() {
        Native.requireLibbpf();
        int rc = Calls.bpf_enable_stats(LibBpf.BPF_STATS_RUN_TIME());
        if (rc < 0) {
            throw new KernelException("BPF_ENABLE_STATS", -rc, rc == -Errno.EPERM ? "needs CAP_SYS_ADMIN" : null);
        }
        return new BpfStats(rc);
    }

    /**
     * @return true when root turned statistics on for the whole machine with the sysctl
     *         {@code kernel.bpf_stats_enabled=1}: programs are timed without {@link #enable()}
     */
    public static boolean enabledSystemWide() {
        try {
            return Files.readString(SYSCTL).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    /** Run count and total run time of a program, cumulative since it was loaded (while stats were on). */
    public record ProgramRunStats(String program, int id, long runCount, long runTimeNanos) {
        public double meanNanos() {
            return runCount == 0 ? Double.NaN : (double) runTimeNanos / runCount;
        }

        public ProgramRunStats minus(ProgramRunStats earlier) {
            return new ProgramRunStats(program, id, runCount - earlier.runCount, runTimeNanos - earlier.runTimeNanos);
        }
    }

    public static ProgramRunStats of(BpfProgram program) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = bpf_prog_info.allocate(a);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) bpf_prog_info.sizeof());
            Native.check(Calls.bpf_obj_get_info_by_fd(program.fd(), info, len), "BPF_OBJ_GET_INFO_BY_FD(" + program.name() + ")");
            return new ProgramRunStats(program.name(), bpf_prog_info.id(info), bpf_prog_info.run_cnt(info),
                    bpf_prog_info.run_time_ns(info));
        }
    }

    @Override
    public void close() {
        guard.release();
    }
}
