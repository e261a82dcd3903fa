package io.latscope.bpf;

import io.latscope.bpf.raw.LibC;
import io.latscope.error.KernelException;
import io.latscope.error.NotSupportedException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Access to the generated bindings that needs more than they give: a clear error when
 * libbpf is missing, and errno captured by the linker ({@code captureCallState}) for the
 * calls that report failure through errno (pointer-returning libbpf calls, libc).
 */
final class Native {
    static final String LIBBPF = "libbpf.so.1";
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
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
            try (Arena a = Arena.ofConfined()) {
                SymbolLookup.libraryLookup(LIBBPF, a);
            } catch (IllegalArgumentException e) {
                throw new NotSupportedException(LIBBPF,
                        "the shared library " + LIBBPF + " could not be loaded (Debian/Ubuntu: apt-get install libbpf1;"
                                + " Fedora: dnf install libbpf)", e);
            }
            // before any other thread may call libbpf: silent (or heard), never its default stderr
            LibbpfLog.init();
            libbpfChecked = true;
        }
    }

    /** A downcall to the same symbol as a generated binding, with errno captured as first argument. */
    static MethodHandle withErrno(MemorySegment address, FunctionDescriptor descriptor) {
        requireLibbpf();
        return LINKER.downcallHandle(address, descriptor, Linker.Option.captureCallState("errno"));
    }

    static MemorySegment errnoSlot(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment slot) {
        return (int) ERRNO.get(slot, 0L);
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

    private static final class Libc {
        static final MethodHandle SETNS = LINKER.downcallHandle(LibC.setns$address(), LibC.setns$descriptor(),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle OPEN = LINKER.downcallHandle(
                LibC.open.address(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
        static final MethodHandle MMAP = LINKER.downcallHandle(LibC.mmap$address(), LibC.mmap$descriptor(),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle SYSCALL3 = LINKER.downcallHandle(
                LibC.syscall.address(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
    }

    /** The few calls of libc that the bindings do not hold (sock_diag netlink, iterator reads). */
    private static final class Sockets {
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final MethodHandle SOCKET = LINKER.downcallHandle(LIBC.findOrThrow("socket"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle SEND = LINKER.downcallHandle(LIBC.findOrThrow("send"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle READ = LINKER.downcallHandle(LIBC.findOrThrow("read"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle BIND = LINKER.downcallHandle(LIBC.findOrThrow("bind"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle RECV = LINKER.downcallHandle(LIBC.findOrThrow("recv"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
    }

    /** pthread_sigmask(3), linked at the first program load. */
    private static final class Signals {
        static final MethodHandle SIGMASK = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("pthread_sigmask"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
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
            int rc = (int) Signals.SIGMASK.invokeExact(Signals.SIG_BLOCK, block, old);
            if (rc != 0) {
                throw new KernelException("pthread_sigmask", rc);
            }
            try {
                return call.getAsInt();
            } finally {
                int back = (int) Signals.SIGMASK.invokeExact(Signals.SIG_SETMASK, old, MemorySegment.NULL);
                if (back != 0) {
                    throw new KernelException("pthread_sigmask (restoring the thread's signal mask)", back);
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static final int EINTR = 4;

    static int socket(int domain, int type, int protocol, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            int fd = (int) Sockets.SOCKET.invokeExact(st, domain, type, protocol);
            if (fd < 0) {
                throw new KernelException(what, errno(st));
            }
            return fd;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** bind(2) of {@code fd} to the socket address in {@code address} (all of it). */
    static void bind(int fd, MemorySegment address, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            if ((int) Sockets.BIND.invokeExact(st, fd, address, (int) address.byteSize()) < 0) {
                throw new KernelException(what, errno(st));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** send(2) of the whole segment (a datagram socket: all or an error). */
    static void send(int fd, MemorySegment data, String what) {
        transfer(Sockets.SEND, fd, data, what);
    }

    /** recv(2) into {@code buffer}; returns the byte count. */
    static long recv(int fd, MemorySegment buffer, String what) {
        return transfer(Sockets.RECV, fd, buffer, what);
    }

    /** read(2) into {@code buffer}, retried on EINTR; returns the byte count (0 at the end). */
    static long read(int fd, MemorySegment buffer, String what) {
        return retried(st -> (long) Sockets.READ.invokeExact(st, fd, buffer, buffer.byteSize()), what);
    }

    /** send or recv ({@code (int fd, void *buf, size_t len, int flags)}), retried on EINTR. */
    private static long transfer(MethodHandle call, int fd, MemorySegment buffer, String what) {
        return retried(st -> (long) call.invokeExact(st, fd, buffer, buffer.byteSize(), 0), what);
    }

    /** A byte-count call with errno captured in the slot it is given. */
    private interface CountingCall {
        long call(MemorySegment errnoSlot) throws Throwable;
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
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            int fd = (int) Libc.OPEN.invokeExact(st, a.allocateFrom(path), flags);
            if (fd < 0) {
                throw new KernelException("open(" + path + ")", errno(st));
            }
            return fd;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void close(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    /** setns(2) on the calling thread; returns 0 or errno. */
    static int setns(int fd, int nstype) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            int rc = (int) Libc.SETNS.invokeExact(st, fd, nstype);
            return rc < 0 ? errno(st) : 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
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
            MemorySegment p = (MemorySegment) Libc.MMAP.invokeExact(st, MemorySegment.NULL, length, prot, flags, fd,
                    offset);
            if (p.address() == -1L) {
                throw new KernelException("mmap of " + what, errno(st));
            }
            return p.reinterpret(length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void munmap(MemorySegment p) {
        LibC.munmap(p, p.byteSize());
    }

    /** Raw bpf(2): returns the result, or -errno. */
    static long bpfSyscall(int cmd, MemorySegment attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            long rc = (long) Libc.SYSCALL3.invokeExact(st, (long) LibC.SYS_bpf(), cmd, attr, (int) attr.byteSize());
            return rc < 0 ? -errno(st) : rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
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
