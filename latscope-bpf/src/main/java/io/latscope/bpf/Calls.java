package io.latscope.bpf;

import io.latscope.error.NotSupportedException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Every libbpf and libc function that LatScope calls, through two downcall handles: one shape,
 * six 64-bit words in and one out, with the function's address as the first argument, and the
 * same shape with errno captured. The generated bindings ({@code io.latscope.bpf.raw}) link a
 * handle per function, and each new C signature costs a fresh JVM 3-5 ms to link (a stub
 * spun through the class-file API, lambda forms, a native entry point): about 30 signatures
 * made up a fifth of a session's {@code start()} (docs/benchmarks.md). Here the first call
 * links the one shape and the rest reuse it. The bindings still give the structs' layouts and
 * the constants.
 *
 * <p>Why one shape is sound: on the two ABIs LatScope builds for (System V x86-64 and
 * AAPCS64 on Linux) the first six integer or pointer arguments travel in registers, whatever
 * the callee declares; a callee ignores the registers it does not read, and reads an {@code
 * int} or {@code bool} argument from the low bits of a register that holds the whole value
 * sign- or zero-extended. Results come back in one register; an {@code int} result is its low
 * 32 bits (the rest is undefined: {@link #i(long)}), a {@code bool} its low 8. Variadic
 * functions ({@code open}, {@code syscall}) take their integer arguments the same way on
 * both. No function here takes a floating-point value or a struct by value, or more than six
 * arguments; one that did could not be called this way.
 *
 * <p>The wrappers keep the bindings' Java signatures (pointers as {@link MemorySegment},
 * {@code int} for {@code int} and enums, {@code long} for 64-bit values). Segments passed
 * must be native ({@link #a(MemorySegment)} checks), and the caller keeps them alive for the
 * call: a raw address does not hold its arena open as a linker argument does. Pointer results
 * come back as the bindings give them, unbounded (sized to read, e.g. a C string).
 */
final class Calls {
    private Calls() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor WORDS = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    /** The shapes, linked at first use: (function, 6 words) and (function, errno slot, 6 words). */
    private static final class Handles {
        static final MethodHandle PLAIN = LINKER.downcallHandle(WORDS);
        static final MethodHandle ERRNO = LINKER.downcallHandle(WORDS, Linker.Option.captureCallState("errno"));
    }

    /** libbpf, opened once for the life of the process by {@link #loadLibbpf()}. */
    private static volatile SymbolLookup libbpf;

    /** A function's address, looked up at its first call (a libbpf without it fails only that call, naming it). */
    private static final class Fn {
        private final String name;
        private final boolean inLibbpf;
        private volatile MemorySegment address;

        Fn(String name, boolean inLibbpf) {
            this.name = name;
            this.inLibbpf = inLibbpf;
        }

        MemorySegment address() {
            MemorySegment a = address;
            if (a == null) {
                requireRegisterArguments();
                SymbolLookup in = inLibbpf ? loadLibbpf() : LINKER.defaultLookup();
                a = in.find(name).orElseThrow(() -> new NotSupportedException(name, (inLibbpf ? Native.LIBBPF : "the C library")
                        + " has no function " + name + (inLibbpf ? " (libbpf 1.1 or newer has it)" : "")));
                address = a;
            }
            return a;
        }
    }

    /** The architectures whose calling convention this class relies on (see the class comment). */
    private static final java.util.Set<String> ARCHITECTURES = java.util.Set.of("amd64", "x86_64", "aarch64");

    private static void requireRegisterArguments() {
        String arch = System.getProperty("os.arch");
        if (!ARCHITECTURES.contains(arch)) {
            throw new NotSupportedException("architecture " + arch, "LatScope calls libbpf and libc with six integer"
                    + " arguments in registers whatever the function declares, which only x86-64 and AArch64 are known to allow");
        }
    }

    private static Fn libbpf(String name) {
        return new Fn(name, true);
    }

    private static Fn libc(String name) {
        return new Fn(name, false);
    }

    /**
     * libbpf, opened at the first call: fails, each time, with a message naming the package
     * to install when it cannot be loaded.
     */
    static SymbolLookup loadLibbpf() {
        SymbolLookup l = libbpf;
        if (l == null) {
            synchronized (Calls.class) {
                l = libbpf;
                if (l == null) {
                    try {
                        l = SymbolLookup.libraryLookup(Native.LIBBPF, Arena.global());
                    } catch (IllegalArgumentException e) {
                        throw new NotSupportedException(Native.LIBBPF, "the shared library " + Native.LIBBPF
                                + " could not be loaded (Debian/Ubuntu: apt-get install libbpf1; Fedora: dnf install libbpf)", e);
                    }
                    libbpf = l;
                }
            }
        }
        return l;
    }

    // ---- the two calls ------------------------------------------------------------------

    static long call(Fn fn, long a0, long a1, long a2, long a3, long a4, long a5) {
        try {
            return (long) Handles.PLAIN.invokeExact(fn.address(), a0, a1, a2, a3, a4, a5);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A call that reports failure through errno: errno lands in {@code errnoSlot} ({@link Native#errnoSlot}). */
    static long callErrno(MemorySegment errnoSlot, Fn fn, long a0, long a1, long a2, long a3, long a4, long a5) {
        try {
            return (long) Handles.ERRNO.invokeExact(fn.address(), errnoSlot, a0, a1, a2, a3, a4, a5);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static long call(Fn fn, long a0) {
        return call(fn, a0, 0, 0, 0, 0, 0);
    }

    private static long call(Fn fn, long a0, long a1) {
        return call(fn, a0, a1, 0, 0, 0, 0);
    }

    private static long call(Fn fn, long a0, long a1, long a2) {
        return call(fn, a0, a1, a2, 0, 0, 0);
    }

    private static long call(Fn fn, long a0, long a1, long a2, long a3) {
        return call(fn, a0, a1, a2, a3, 0, 0);
    }

    /**
     * A native segment's address, checked as a linker argument would be: a heap segment has
     * none a C function could use, and a segment whose arena is closed, or confined to another
     * thread, would hand C freed or foreign memory. (The arena must then stay open for the
     * call: a shared arena closed by another thread meanwhile is not detected.)
     */
    static long a(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("a native function cannot take a heap segment: " + s);
        }
        if (!s.scope().isAlive()) {
            throw new IllegalStateException("the segment's arena is closed: " + s);
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("the segment's arena is confined to another thread: " + s);
        }
        return s.address();
    }

    /** An {@code int} result: the low 32 bits of the register. */
    static int i(long result) {
        return (int) result;
    }

    /** A pointer result, unbounded like the bindings' ({@link MemorySegment#NULL} for NULL). */
    static MemorySegment p(long result) {
        return result == 0 ? MemorySegment.NULL : MemorySegment.ofAddress(result).reinterpret(Long.MAX_VALUE);
    }

    // ---- libbpf: objects, programs, maps --------------------------------------------------

    private static final Fn SET_PRINT = libbpf("libbpf_set_print");
    private static final Fn OBJECT_OPEN_MEM = libbpf("bpf_object__open_mem");
    private static final Fn OBJECT_LOAD = libbpf("bpf_object__load");
    private static final Fn OBJECT_CLOSE = libbpf("bpf_object__close");
    private static final Fn OBJECT_NEXT_PROGRAM = libbpf("bpf_object__next_program");
    private static final Fn OBJECT_NEXT_MAP = libbpf("bpf_object__next_map");
    private static final Fn PROGRAM_NAME = libbpf("bpf_program__name");
    private static final Fn PROGRAM_SECTION_NAME = libbpf("bpf_program__section_name");
    private static final Fn PROGRAM_FD = libbpf("bpf_program__fd");
    private static final Fn PROGRAM_TYPE = libbpf("bpf_program__type");
    private static final Fn PROGRAM_SET_TYPE = libbpf("bpf_program__set_type");
    private static final Fn PROGRAM_SET_EXPECTED_ATTACH_TYPE = libbpf("bpf_program__set_expected_attach_type");
    private static final Fn PROGRAM_AUTOLOAD = libbpf("bpf_program__autoload");
    private static final Fn PROGRAM_SET_AUTOLOAD = libbpf("bpf_program__set_autoload");
    private static final Fn PROGRAM_SET_LOG_BUF = libbpf("bpf_program__set_log_buf");
    private static final Fn MAP_NAME = libbpf("bpf_map__name");
    private static final Fn MAP_FD = libbpf("bpf_map__fd");
    private static final Fn MAP_TYPE = libbpf("bpf_map__type");
    private static final Fn MAP_KEY_SIZE = libbpf("bpf_map__key_size");
    private static final Fn MAP_VALUE_SIZE = libbpf("bpf_map__value_size");
    private static final Fn MAP_MAX_ENTRIES = libbpf("bpf_map__max_entries");
    private static final Fn MAP_SET_MAX_ENTRIES = libbpf("bpf_map__set_max_entries");
    private static final Fn MAP_INITIAL_VALUE = libbpf("bpf_map__initial_value");

    static MemorySegment libbpf_set_print(MemorySegment fn) {
        return p(call(SET_PRINT, a(fn)));
    }

    /** bpf_object__open_mem; NULL on failure, with errno in {@code errnoSlot}. */
    static MemorySegment bpf_object__open_mem(MemorySegment errnoSlot, MemorySegment buf, long size, MemorySegment opts) {
        return p(callErrno(errnoSlot, OBJECT_OPEN_MEM, a(buf), size, a(opts), 0, 0, 0));
    }

    static int bpf_object__load(MemorySegment obj) {
        return i(call(OBJECT_LOAD, a(obj)));
    }

    static void bpf_object__close(MemorySegment obj) {
        call(OBJECT_CLOSE, a(obj));
    }

    static MemorySegment bpf_object__next_program(MemorySegment obj, MemorySegment prog) {
        return p(call(OBJECT_NEXT_PROGRAM, a(obj), a(prog)));
    }

    static MemorySegment bpf_object__next_map(MemorySegment obj, MemorySegment map) {
        return p(call(OBJECT_NEXT_MAP, a(obj), a(map)));
    }

    static MemorySegment bpf_program__name(MemorySegment prog) {
        return p(call(PROGRAM_NAME, a(prog)));
    }

    static MemorySegment bpf_program__section_name(MemorySegment prog) {
        return p(call(PROGRAM_SECTION_NAME, a(prog)));
    }

    static int bpf_program__fd(MemorySegment prog) {
        return i(call(PROGRAM_FD, a(prog)));
    }

    static int bpf_program__type(MemorySegment prog) {
        return i(call(PROGRAM_TYPE, a(prog)));
    }

    static int bpf_program__set_type(MemorySegment prog, int type) {
        return i(call(PROGRAM_SET_TYPE, a(prog), type));
    }

    static int bpf_program__set_expected_attach_type(MemorySegment prog, int type) {
        return i(call(PROGRAM_SET_EXPECTED_ATTACH_TYPE, a(prog), type));
    }

    static boolean bpf_program__autoload(MemorySegment prog) {
        return (call(PROGRAM_AUTOLOAD, a(prog)) & 0xff) != 0;
    }

    static int bpf_program__set_autoload(MemorySegment prog, boolean autoload) {
        return i(call(PROGRAM_SET_AUTOLOAD, a(prog), autoload ? 1 : 0));
    }

    static int bpf_program__set_log_buf(MemorySegment prog, MemorySegment buf, long size) {
        return i(call(PROGRAM_SET_LOG_BUF, a(prog), a(buf), size));
    }

    static MemorySegment bpf_map__name(MemorySegment map) {
        return p(call(MAP_NAME, a(map)));
    }

    static int bpf_map__fd(MemorySegment map) {
        return i(call(MAP_FD, a(map)));
    }

    static int bpf_map__type(MemorySegment map) {
        return i(call(MAP_TYPE, a(map)));
    }

    static int bpf_map__key_size(MemorySegment map) {
        return i(call(MAP_KEY_SIZE, a(map)));
    }

    static int bpf_map__value_size(MemorySegment map) {
        return i(call(MAP_VALUE_SIZE, a(map)));
    }

    static int bpf_map__max_entries(MemorySegment map) {
        return i(call(MAP_MAX_ENTRIES, a(map)));
    }

    static int bpf_map__set_max_entries(MemorySegment map, int maxEntries) {
        return i(call(MAP_SET_MAX_ENTRIES, a(map), maxEntries));
    }

    static MemorySegment bpf_map__initial_value(MemorySegment map, MemorySegment psize) {
        return p(call(MAP_INITIAL_VALUE, a(map), a(psize)));
    }

    // ---- libbpf: attach (a link, or NULL with errno) --------------------------------------

    private static final Fn ATTACH = libbpf("bpf_program__attach");
    private static final Fn ATTACH_TRACEPOINT = libbpf("bpf_program__attach_tracepoint");
    private static final Fn ATTACH_RAW_TRACEPOINT = libbpf("bpf_program__attach_raw_tracepoint");
    private static final Fn ATTACH_TRACE = libbpf("bpf_program__attach_trace");
    private static final Fn ATTACH_CGROUP = libbpf("bpf_program__attach_cgroup");
    private static final Fn LINK_DESTROY = libbpf("bpf_link__destroy");

    static MemorySegment bpf_program__attach(MemorySegment errnoSlot, MemorySegment prog) {
        return p(callErrno(errnoSlot, ATTACH, a(prog), 0, 0, 0, 0, 0));
    }

    static MemorySegment bpf_program__attach_tracepoint(MemorySegment errnoSlot, MemorySegment prog, MemorySegment category,
                                                        MemorySegment name) {
        return p(callErrno(errnoSlot, ATTACH_TRACEPOINT, a(prog), a(category), a(name), 0, 0, 0));
    }

    static MemorySegment bpf_program__attach_raw_tracepoint(MemorySegment errnoSlot, MemorySegment prog, MemorySegment name) {
        return p(callErrno(errnoSlot, ATTACH_RAW_TRACEPOINT, a(prog), a(name), 0, 0, 0, 0));
    }

    static MemorySegment bpf_program__attach_trace(MemorySegment errnoSlot, MemorySegment prog) {
        return p(callErrno(errnoSlot, ATTACH_TRACE, a(prog), 0, 0, 0, 0, 0));
    }

    static MemorySegment bpf_program__attach_cgroup(MemorySegment errnoSlot, MemorySegment prog, int cgroupFd) {
        return p(callErrno(errnoSlot, ATTACH_CGROUP, a(prog), cgroupFd, 0, 0, 0, 0));
    }

    static int bpf_link__destroy(MemorySegment link) {
        return i(call(LINK_DESTROY, a(link)));
    }

    // ---- libbpf: the bpf(2) wrappers -------------------------------------------------------

    private static final Fn LINK_CREATE = libbpf("bpf_link_create");
    private static final Fn MAP_UPDATE_ELEM = libbpf("bpf_map_update_elem");
    private static final Fn MAP_LOOKUP_ELEM = libbpf("bpf_map_lookup_elem");
    private static final Fn MAP_DELETE_ELEM = libbpf("bpf_map_delete_elem");
    private static final Fn MAP_GET_NEXT_KEY = libbpf("bpf_map_get_next_key");
    private static final Fn OBJ_GET_INFO_BY_FD = libbpf("bpf_obj_get_info_by_fd");
    private static final Fn ENABLE_STATS = libbpf("bpf_enable_stats");
    private static final Fn PROG_TEST_RUN_OPTS = libbpf("bpf_prog_test_run_opts");

    static int bpf_link_create(int progFd, int targetFd, int attachType, MemorySegment opts) {
        return i(call(LINK_CREATE, progFd, targetFd, attachType, a(opts)));
    }

    static int bpf_map_update_elem(int fd, MemorySegment key, MemorySegment value, long flags) {
        return i(call(MAP_UPDATE_ELEM, fd, a(key), a(value), flags));
    }

    static int bpf_map_lookup_elem(int fd, MemorySegment key, MemorySegment value) {
        return i(call(MAP_LOOKUP_ELEM, fd, a(key), a(value)));
    }

    static int bpf_map_delete_elem(int fd, MemorySegment key) {
        return i(call(MAP_DELETE_ELEM, fd, a(key)));
    }

    static int bpf_map_get_next_key(int fd, MemorySegment key, MemorySegment nextKey) {
        return i(call(MAP_GET_NEXT_KEY, fd, a(key), a(nextKey)));
    }

    static int bpf_obj_get_info_by_fd(int fd, MemorySegment info, MemorySegment infoLen) {
        return i(call(OBJ_GET_INFO_BY_FD, fd, a(info), a(infoLen)));
    }

    static int bpf_enable_stats(int type) {
        return i(call(ENABLE_STATS, type));
    }

    static int bpf_prog_test_run_opts(int progFd, MemorySegment opts) {
        return i(call(PROG_TEST_RUN_OPTS, progFd, a(opts)));
    }

    // ---- libbpf: tc and XDP ----------------------------------------------------------------

    private static final Fn TC_HOOK_CREATE = libbpf("bpf_tc_hook_create");
    private static final Fn TC_HOOK_DESTROY = libbpf("bpf_tc_hook_destroy");
    private static final Fn TC_ATTACH = libbpf("bpf_tc_attach");
    private static final Fn TC_DETACH = libbpf("bpf_tc_detach");
    private static final Fn XDP_QUERY_ID = libbpf("bpf_xdp_query_id");

    static int bpf_tc_hook_create(MemorySegment hook) {
        return i(call(TC_HOOK_CREATE, a(hook)));
    }

    static int bpf_tc_hook_destroy(MemorySegment hook) {
        return i(call(TC_HOOK_DESTROY, a(hook)));
    }

    static int bpf_tc_attach(MemorySegment hook, MemorySegment opts) {
        return i(call(TC_ATTACH, a(hook), a(opts)));
    }

    static int bpf_tc_detach(MemorySegment hook, MemorySegment opts) {
        return i(call(TC_DETACH, a(hook), a(opts)));
    }

    static int bpf_xdp_query_id(int ifindex, int flags, MemorySegment progId) {
        return i(call(XDP_QUERY_ID, ifindex, flags, a(progId)));
    }

    // ---- libc ------------------------------------------------------------------------------

    private static final Fn OPEN = libc("open");
    private static final Fn CLOSE = libc("close");
    private static final Fn READ = libc("read");
    private static final Fn MMAP = libc("mmap");
    private static final Fn MUNMAP = libc("munmap");
    private static final Fn SETNS = libc("setns");
    private static final Fn UNSHARE = libc("unshare");
    private static final Fn SYSCALL = libc("syscall");
    private static final Fn SOCKET = libc("socket");
    private static final Fn BIND = libc("bind");
    private static final Fn SEND = libc("send");
    private static final Fn RECV = libc("recv");
    private static final Fn IF_NAMETOINDEX = libc("if_nametoindex");
    private static final Fn PTHREAD_SIGMASK = libc("pthread_sigmask");

    /** open(2): a descriptor, or -1 with errno. */
    static int open(MemorySegment errnoSlot, MemorySegment path, int flags) {
        return i(callErrno(errnoSlot, OPEN, a(path), flags, 0, 0, 0, 0));
    }

    static int close(int fd) {
        return i(call(CLOSE, fd));
    }

    static long read(MemorySegment errnoSlot, int fd, MemorySegment buf, long count) {
        return callErrno(errnoSlot, READ, fd, a(buf), count, 0, 0, 0);
    }

    /** mmap(2): the mapping's address, or MAP_FAILED (-1) with errno. */
    static long mmap(MemorySegment errnoSlot, long length, int prot, int flags, int fd, long offset) {
        return callErrno(errnoSlot, MMAP, 0, length, prot, flags, fd, offset);
    }

    static int munmap(MemorySegment addr, long length) {
        return i(call(MUNMAP, a(addr), length));
    }

    static int setns(MemorySegment errnoSlot, int fd, int nstype) {
        return i(callErrno(errnoSlot, SETNS, fd, nstype, 0, 0, 0, 0));
    }

    static int unshare(int flags) {
        return i(call(UNSHARE, flags));
    }

    /** syscall(2) with three arguments: the result, or -1 with errno. */
    static long syscall3(MemorySegment errnoSlot, long number, long a0, long a1, long a2) {
        return callErrno(errnoSlot, SYSCALL, number, a0, a1, a2, 0, 0);
    }

    static int socket(MemorySegment errnoSlot, int domain, int type, int protocol) {
        return i(callErrno(errnoSlot, SOCKET, domain, type, protocol, 0, 0, 0));
    }

    static int bind(MemorySegment errnoSlot, int fd, MemorySegment address, int length) {
        return i(callErrno(errnoSlot, BIND, fd, a(address), length, 0, 0, 0));
    }

    static long send(MemorySegment errnoSlot, int fd, MemorySegment buf, long length, int flags) {
        return callErrno(errnoSlot, SEND, fd, a(buf), length, flags, 0, 0);
    }

    static long recv(MemorySegment errnoSlot, int fd, MemorySegment buf, long length, int flags) {
        return callErrno(errnoSlot, RECV, fd, a(buf), length, flags, 0, 0);
    }

    /** if_nametoindex(3): the index, or 0. */
    static int if_nametoindex(MemorySegment name) {
        return i(call(IF_NAMETOINDEX, a(name)));
    }

    /** pthread_sigmask(3): 0, or an error number. */
    static int pthread_sigmask(int how, MemorySegment set, MemorySegment oldSet) {
        return i(call(PTHREAD_SIGMASK, how, a(set), a(oldSet)));
    }
}
