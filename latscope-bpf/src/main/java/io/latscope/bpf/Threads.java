package io.latscope.bpf;

import io.latscope.error.KernelException;

/** Scheduling of the calling platform thread. */
public final class Threads {
    private Threads() {
    }

    /**
     * Sets the calling platform thread's nice value (Linux schedules threads one by one:
     * {@code setpriority(PRIO_PROCESS, gettid(), nice)}), e.g. so that a measuring thread
     * gives way to the threads it measures.
     *
     * @throws KernelException when the kernel refuses (raising priority needs CAP_SYS_NICE)
     */
    public static void nice(int nice) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("nice applies to platform threads, not to virtual threads");
        }
        int err = Native.niceThisThread(nice);
        if (err != 0) {
            throw new KernelException("setpriority(nice " + nice + ") of thread " + Thread.currentThread().getName(), err);
        }
    }
}
