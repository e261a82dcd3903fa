package io.latscope.bpf;

import io.latscope.bpf.raw.LibC;
import io.latscope.error.KernelException;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * What the calls of {@link Calls} need around them: a clear error when libbpf is missing,
 * libbpf silenced before its first call, errno read from the linker's capture slot, libc's
 * calls with their failures as exceptions, and the thread's signals blocked for a load.
 */
final class Native {
    static final String LIBBPF = "libbpf.so.1";
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    /** Where errno sits in the capture slot (read directly: a var handle costs a fresh JVM ~2 ms to spin). */
    private static final long ERRNO_OFFSET = CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static volatile boolean libbpfChecked;

    private Native() {
    }

    /** Fails with a message naming the package to install when libbpf cannot be loaded. */
    static void requireLibbpf() {
        if (libbpfChecked) {
            return;
        }
        synchronized (Native.class) {
            if (libbpfChecked) {
                return;
            }
            Calls.loadLibbpf();
            // before any other thread may call libbpf: silent (or heard), never its default stderr
            LibbpfLog.init();
            libbpfChecked = true;
        }
    }

    static MemorySegment errnoSlot(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment slot) {
        return slot.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    /** libbpf returns -errno from int functions; turns a negative result into an exception. */
    static int check(int rc, String operation) {
        if (rc < 0) {
            throw new KernelException(operation, -rc);
        }
        return rc;
    }

    static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? null : cString.reinterpret(4096).getString(0);
    }

    // ---- libc with errno --------------------------------------------------------------

    /** pthread_sigmask(3)'s arguments. */
    private static final class Signals {
        static final int SIG_BLOCK = 0;
        static final int SIG_SETMASK = 2;
        /** glibc's sigset_t: 1024 bits, signal n at bit n - 1 of the first 64-bit word. */
        static final long SIGSET_BYTES = 128;
        /**
         * Signals 1-64 but those the kernel raises for the thread's own faults (SIGILL, SIGTRAP,
         * SIGBUS, SIGFPE, SIGSEGV, SIGSYS): a fault with its signal blocked kills the process,
         * and Java code that runs meanwhile (libbpf's log upcall) takes SIGSEGV for its null
         * checks and safepoint polls. SIGKILL and SIGSTOP cannot be blocked; glibc keeps its
         * own two (32, 33) unblocked.
         */
        static final long ASYNCHRONOUS = ~((1L << (4 - 1)) | (1L << (5 - 1)) | (1L << (7 - 1)) | (1L << (8 - 1))
                | (1L << (11 - 1)) | (1L << (31 - 1)));
    }

    /**
     * Runs {@code call} with this thread's asynchronous signals blocked, then restores its
     * mask (signals that arrived meanwhile are delivered then). For program loads: the
     * kernel's verifier gives up with EAGAIN whenever a signal is pending for the loading
     * thread, and libbpf retries only five times, so a thread that something signals faster
     * than a program verifies (a profiler sampling it at a sub-millisecond interval) could not
     * load programs at all. Blocked signals are not pending for the verifier.
     */
    static int withAsyncSignalsBlocked(java.util.function.IntSupplier call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment block = a.allocate(Signals.SIGSET_BYTES, 8);
            block.set(ValueLayout.JAVA_LONG, 0, Signals.ASYNCHRONOUS);
            MemorySegment old = a.allocate(Signals.SIGSET_BYTES, 8);
            int rc = Calls.pthread_sigmask(Signals.SIG_BLOCK, block, old);
            if (rc != 0) {
                throw new KernelException("pthread_sigmask", rc);
            }
            try {
                return call.getAsInt();
            } finally {
                int back = Calls.pthread_sigmask(Signals.SIG_SETMASK, old, MemorySegment.NULL);
                if (back != 0) {
                    throw new KernelException("pthread_sigmask (restoring the thread's signal mask)", back);
                }
            }
        }
    }

    private static final int EINTR = 4;

    static int socket(int domain, int type, int protocol, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            int fd = Calls.socket(st, domain, type, protocol);
            if (fd < 0) {
                throw new KernelException(what, errno(st));
            }
            return fd;
        }
    }

    /** bind(2) of {@code fd} to the socket address in {@code address} (all of it). */
    static void bind(int fd, MemorySegment address, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            if (Calls.bind(st, fd, address, (int) address.byteSize()) < 0) {
                throw new KernelException(what, errno(st));
            }
        }
    }

    /** send(2) of the whole segment (a datagram socket: all or an error). */
    static void send(int fd, MemorySegment data, String what) {
        retried(st -> Calls.send(st, fd, data, data.byteSize(), 0), what);
    }

    /** recv(2) into {@code buffer}; returns the byte count. */
    static long recv(int fd, MemorySegment buffer, String what) {
        return retried(st -> Calls.recv(st, fd, buffer, buffer.byteSize(), 0), what);
    }

    /** read(2) into {@code buffer}, retried on EINTR; returns the byte count (0 at the end). */
    static long read(int fd, MemorySegment buffer, String what) {
        return retried(st -> Calls.read(st, fd, buffer, buffer.byteSize()), what);
    }

    /** A byte-count call with errno captured in the slot it is given. */
    private interface CountingCall {
        long call(MemorySegment errnoSlot);
    }

    /** Runs {@code call} until it is not interrupted (EINTR); a failure names {@code what}. */
    private static long retried(CountingCall call, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            long n;
            do {
                n = call.call(st);
            } while (n < 0 && errno(st) == EINTR);
            if (n < 0) {
                throw new KernelException(what, errno(st));
            }
            return n;
        }
    }

    static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            int fd = Calls.open(st, a.allocateFrom(path), flags);
            if (fd < 0) {
                throw new KernelException("open(" + path + ")", errno(st));
            }
            return fd;
        }
    }

    static void close(int fd) {
        if (fd >= 0) {
            Calls.close(fd);
        }
    }

    /** setns(2) on the calling thread; returns 0 or errno. */
    static int setns(int fd, int nstype) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            int rc = Calls.setns(st, fd, nstype);
            return rc < 0 ? errno(st) : 0;
        }
    }

    static MemorySegment mmap(long length, int prot, int fd, long offset, String what) {
        return mmap(length, prot, LibC.MAP_SHARED(), fd, offset, what);
    }

    /**
     * Private anonymous memory, readable and writable, for a large buffer that is mostly
     * never touched: its pages are zero-filled by the kernel on first touch, where an arena
     * zeroes all of them at once (8 MiB: 6-15 ms in a fresh JVM). Free with {@link #munmap}.
     */
    static MemorySegment mmapAnonymous(long length, String what) {
        return mmap(length, 0x1 | 0x2 /* PROT_READ|PROT_WRITE */, 0x02 | 0x20 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0,
                what);
    }

    private static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            long p = Calls.mmap(st, length, prot, flags, fd, offset);
            if (p == -1L) {
                throw new KernelException("mmap of " + what, errno(st));
            }
            return MemorySegment.ofAddress(p).reinterpret(length);
        }
    }

    static void munmap(MemorySegment p) {
        Calls.munmap(p, p.byteSize());
    }

    /** Raw bpf(2): returns the result, or -errno. */
    static long bpfSyscall(int cmd, MemorySegment attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            long rc = Calls.syscall3(st, LibC.SYS_bpf(), cmd, Calls.a(attr), attr.byteSize());
            return rc < 0 ? -errno(st) : rc;
        }
    }

    static long pageSize() {
        return PAGE_SIZE;
    }

    private static final long PAGE_SIZE = readPageSize();

    private static long readPageSize() {
        // getpagesize() is not in the bindings; 4 KiB unless the kernel says otherwise via AT_PAGESZ.
        try {
            byte[] auxv = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/auxv"));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(auxv).order(java.nio.ByteOrder.nativeOrder());
            while (b.remaining() >= 16) {
                long type = b.getLong();
                long value = b.getLong();
                if (type == 6 /* AT_PAGESZ */) {
                    return value;
                }
            }
        } catch (java.io.IOException e) {
            // fall through
        }
        return 4096;
    }

    static MemorySegment cstr(Arena a, String s) {
        return s == null ? MemorySegment.NULL : a.allocateFrom(s);
    }
}
