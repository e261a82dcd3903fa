package io.latscope.bpf;

import io.latscope.bpf.raw.bpf_object_open_opts;
import io.latscope.error.ConfigurationException;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;
import io.latscope.error.NotSupportedException;
import io.latscope.error.VerifierException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BPF ELF object: opened from bytes, configured ({@code const volatile} globals,
 * autoload, map sizes), loaded into the kernel, then asked for its programs and maps.
 * Owns every program and map file descriptor; {@link #close()} releases them all and is
 * idempotent. Links made from its programs are owned by whoever attached them.
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.openResource(BpfObject.class, "features.bpf.o", "features")) {
 *     obj.setConstant("stride_shift", 16);
 *     obj.load();
 *     try (BpfLink l = obj.program("on_xmit").attach()) { ... }
 * }
 * }</pre>
 */
public final class BpfObject implements AutoCloseable {
    static final String BUNDLED_DIR = "/io/latscope/bpf/";
    private static final int LOG_BUF_SIZE = 8 << 20;
    private static final Pattern FAILED_PROG = Pattern.compile("prog '([^']+)': (BPF program load failed|failed to)");

    private final String name;
    private final Arena arena;
    private final MemorySegment obj;
    private final Map<String, ElfSymbols.Symbol> symbols;
    /** The ELF it was opened from, to load a copy when libbpf must be heard on why a load failed. */
    private final byte[] elf;
    private final List<BpfProgram> programs = new ArrayList<>();
    private final List<BpfMap> maps = new ArrayList<>();
    private final Leaks.Guard guard;
    private volatile boolean loaded;

    private BpfObject(String name, byte[] elf) {
        Native.requireLibbpf();
        BpfEnvironment.requireBtf();
        this.name = name;
        this.elf = elf.clone(); // the caller may reuse its array; a copy loads these bytes
        this.symbols = ElfSymbols.globals(elf, name);
        boolean heard = LibbpfLog.active();
        Arena a = Arena.ofShared();
        Opened first = openMem(a, name, elf);
        if (first.obj().equals(MemorySegment.NULL) && !heard) { // again, to hear libbpf say why
            LibbpfLog.activate();
            a.close();
            a = Arena.ofShared();
            first = openMem(a, name, elf);
        }
        MemorySegment o = first.obj();
        if (o.equals(MemorySegment.NULL)) {
            a.close();
            throw new KernelException("opening BPF object " + name, first.errno(),
                    first.said().isBlank() ? null : first.said().strip());
        }
        Arena held = a;
        this.arena = held;
        this.obj = o;
        this.guard = Leaks.guard(this, "BPF object " + name, () -> {
            Calls.bpf_object__close(o);
            held.close();
        });
        for (MemorySegment p = Calls.bpf_object__next_program(obj, MemorySegment.NULL);
             !p.equals(MemorySegment.NULL); p = Calls.bpf_object__next_program(obj, p)) {
            BpfProgram prog = new BpfProgram(this, p);
            if ("netfilter".equals(prog.section()) && prog.type() == 0) {
                prog.setTypeForUnknownSection(BpfProgram.PROG_TYPE_NETFILTER, BpfProgram.ATTACH_NETFILTER);
            }
            programs.add(prog);
        }
        for (MemorySegment m = Calls.bpf_object__next_map(obj, MemorySegment.NULL);
             !m.equals(MemorySegment.NULL); m = Calls.bpf_object__next_map(obj, m)) {
            maps.add(new BpfMap(this, m));
        }
    }

    private record Opened(MemorySegment obj, int errno, String said) {
    }

    /** bpf_object__open_mem of {@code elf}, its buffers in {@code a}; a NULL object when it failed. */
    private static Opened openMem(Arena a, String name, byte[] elf) {
        LibbpfLog.startCapture();
        try {
            // libbpf keeps pointing at the buffer until load finishes: it lives in the object's arena.
            MemorySegment buf = a.allocate(elf.length, 8);
            MemorySegment.copy(MemorySegment.ofArray(elf), 0, buf, 0, elf.length);
            MemorySegment opts = bpf_object_open_opts.allocate(a);
            bpf_object_open_opts.sz(opts, bpf_object_open_opts.sizeof());
            bpf_object_open_opts.object_name(opts, a.allocateFrom(name));
            MemorySegment st = Native.errnoSlot(a);
            MemorySegment o = Calls.bpf_object__open_mem(st, buf, elf.length, opts);
            return new Opened(o, Native.errno(st), LibbpfLog.endCapture());
        } catch (RuntimeException | Error e) {
            LibbpfLog.endCapture();
            a.close();
            throw e;
        }
    }

    /** Opens an ELF object from memory; {@code name} appears in errors and in bpftool. */
    public static BpfObject open(String name, byte[] elf) {
        return new BpfObject(name, elf);
    }

    /** Opens one of the objects built from {@code src-bpf/} and bundled in this module ("features"). */
    static BpfObject openBundled(String name) {
        return openResource(BpfObject.class, BUNDLED_DIR + name + ".bpf.o", name);
    }

    /** Opens an object from a class path resource, resolved against {@code anchor}. */
    public static BpfObject openResource(Class<?> anchor, String resource, String name) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ConfigurationException("BPF object resource " + resource + " not found next to "
                        + anchor.getName() + " (was src-bpf built? run: mvn -pl latscope-bpf package)");
            }
            return open(name, in.readAllBytes());
        } catch (IOException e) {
            throw new ConfigurationException("reading BPF object resource " + resource + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public boolean isLoaded() {
        return loaded;
    }

    public List<BpfProgram> programs() {
        return List.copyOf(programs);
    }

    public List<BpfMap> maps() {
        return List.copyOf(maps);
    }

    public BpfProgram program(String programName) {
        requireOpen();
        for (BpfProgram p : programs) {
            if (p.name().equals(programName)) {
                return p;
            }
        }
        throw new ConfigurationException("BPF object " + name + " has no program '" + programName + "'; it has "
                + programs.stream().map(BpfProgram::name).toList());
    }

    public BpfMap map(String mapName) {
        requireOpen();
        for (BpfMap m : maps) {
            if (m.name().equals(mapName)) {
                return m;
            }
        }
        throw new ConfigurationException("BPF object " + name + " has no map '" + mapName + "'; it has "
                + maps.stream().map(BpfMap::name).toList());
    }

    // ---- configuration before load ------------------------------------------------------

    /** Sets a {@code const volatile} integer global; the value is written in the variable's own width. */
    public BpfObject setConstant(String variable, long value) {
        ElfSymbols.Symbol s = constant(variable);
        MemorySegment dst = rodata(s);
        switch ((int) s.size()) {
            case 1 -> dst.set(ValueLayout.JAVA_BYTE, 0, (byte) value);
            case 2 -> dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) value);
            case 4 -> dst.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) value);
            case 8 -> dst.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
            default -> throw new ConfigurationException("constant " + variable + " is " + s.size()
                    + " bytes wide; use setConstant(String, byte[])");
        }
        return this;
    }

    /** Sets a {@code const volatile} global of any type from its raw bytes (native order). */
    public BpfObject setConstant(String variable, byte[] value) {
        ElfSymbols.Symbol s = constant(variable);
        if (value.length != s.size()) {
            throw new ConfigurationException("constant " + variable + " is " + s.size() + " bytes, got " + value.length);
        }
        MemorySegment.copy(MemorySegment.ofArray(value), 0, rodata(s), 0, value.length);
        return this;
    }

    private ElfSymbols.Symbol constant(String variable) {
        requireNotLoaded("set constant " + variable);
        ElfSymbols.Symbol s = symbols.get(variable);
        if (s == null || !s.section().startsWith(".rodata")) {
            throw new ConfigurationException("BPF object " + name + " has no const volatile global '" + variable + "'");
        }
        return s;
    }

    private MemorySegment rodata(ElfSymbols.Symbol s) {
        for (BpfMap m : maps) {
            MemorySegment p = m.name().endsWith(s.section()) ? initialValue(m) : null;
            if (p != null) {
                return p.asSlice(s.offset(), s.size());
            }
        }
        throw new ConfigurationException("BPF object " + name + " has no " + s.section() + " map");
    }

    // ---- load --------------------------------------------------------------------------

    /**
     * Loads every program with autoload on, and creates the maps. A program the verifier
     * rejects gives a {@link VerifierException} with the whole log.
     */
    public synchronized BpfObject load() {
        requireNotLoaded("load");
        boolean heard = LibbpfLog.active();
        LoadFailure f = tryLoad();
        if (f != null && !heard) {
            // libbpf was silent: load a copy configured the same way to hear it say why, and
            // report that copy's failure whole (its errno, words and log belong together)
            LibbpfLog.activate();
            LoadFailure again;
            try {
                again = loadCopy();
            } catch (RuntimeException e) {
                RuntimeException first = loadFailure(f.errno(), f.said(), f.log());
                first.addSuppressed(e);
                throw first;
            }
            if (again == null) {
                throw new KernelException("loading BPF object " + name, f.errno(), "libbpf was silent, and a second"
                        + " load made to hear it succeeded: the failure did not repeat; open the object again and"
                        + " load it" + (f.log().isBlank() ? "" : "; the verifier said: " + lastLine(f.log())));
            }
            f = again;
        }
        if (f != null) {
            throw loadFailure(f.errno(), f.said(), f.log());
        }
        loaded = true;
        return this;
    }

    private static String lastLine(String log) {
        return log.strip().lines().reduce((x, y) -> y).orElse("");
    }

    private record LoadFailure(int errno, String said, String log) {
    }

    /** One bpf_object__load; null when it succeeded, else its errno, libbpf's words and the verifier's log. */
    private LoadFailure tryLoad() {
        // libbpf asks the kernel for a verifier log only when a program fails, so the buffer is
        // mapped lazily: its pages cost nothing unless a log is written into them
        MemorySegment log = Native.mmapAnonymous(LOG_BUF_SIZE, "the verifier log buffer");
        try {
            for (BpfProgram p : programs) {
                Native.check(Calls.bpf_program__set_log_buf(p.handle(), log, LOG_BUF_SIZE), "set log buffer");
            }
            LibbpfLog.startCapture();
            int rc;
            String said;
            try {
                rc = Native.withAsyncSignalsBlocked(() -> Calls.bpf_object__load(obj));
            } finally {
                said = LibbpfLog.endCapture();
            }
            return rc < 0 ? new LoadFailure(-rc, said, log.getString(0)) : null;
        } finally {
            // libbpf uses the buffer only during the load (and refuses to unset it after one,
            // failed or not: EBUSY), so its pointer stays, unused, in the object
            Native.munmap(log);
        }
    }

    /**
     * Loads a fresh copy of this object, configured as this one is (which programs load, the
     * maps' sizes, the global data sections' initial values: the constants), and closes it;
     * null when the copy loaded.
     */
    private LoadFailure loadCopy() {
        try (BpfObject copy = new BpfObject(name, elf)) {
            for (int i = 0; i < programs.size(); i++) {
                copy.programs.get(i).setAutoload(programs.get(i).autoload());
            }
            for (int i = 0; i < maps.size(); i++) {
                BpfMap mine = maps.get(i);
                BpfMap theirs = copy.maps.get(i);
                if (theirs.maxEntries() != mine.maxEntries()) {
                    theirs.setMaxEntries(mine.maxEntries());
                }
                MemorySegment from = initialValue(mine);
                MemorySegment to = from == null ? null : initialValue(theirs);
                if (to != null) {
                    MemorySegment.copy(from, 0, to, 0, Math.min(from.byteSize(), to.byteSize()));
                }
            }
            return copy.tryLoad();
        }
    }

    /** A global data section's initial value (.rodata, .data, .bss), writable before load; null for other maps. */
    private static MemorySegment initialValue(BpfMap m) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            MemorySegment p = Calls.bpf_map__initial_value(m.handle(), size);
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(size.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    private RuntimeException loadFailure(int errno, String said, String verifierLog) {
        Matcher m = FAILED_PROG.matcher(said);
        String prog = m.find() ? m.group(1) : null;
        if (errno == Errno.EAGAIN) { // not the program's fault: see Native.withAsyncSignalsBlocked
            return new KernelException("loading BPF object " + name + (prog == null ? "" : " (program " + prog + ")"),
                    errno, "the verifier stopped each time because a signal was pending for the loading thread;"
                    + " something signals it faster than a program verifies (glibc's own signals, or an"
                    + " unblockable one); open the object again and load it");
        }
        if (prog != null && !verifierLog.isBlank() && said.contains("BPF program load failed")) {
            return new VerifierException(prog, errno, verifierLog);
        }
        String detail = said.isBlank() ? "" : said.strip().lines().reduce((x, y) -> y).orElse("");
        String what = "loading BPF object " + name + (prog == null ? "" : " (program " + prog + ")");
        if (errno == Errno.EPERM) {
            return new NotSupportedException(what, Errno.describe(errno) + "; needs root or CAP_BPF+CAP_PERFMON, and"
                    + " the program type must be allowed by this kernel" + (detail.isEmpty() ? "" : "; libbpf: " + detail));
        }
        if (errno == Errno.ESRCH || errno == Errno.ENOENT || errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP) {
            return new NotSupportedException(what, Errno.describe(errno) + (detail.isEmpty() ? "" : "; libbpf: " + detail));
        }
        return new KernelException(what, errno, detail.isEmpty() ? null : "libbpf: " + detail);
    }

    void requireNotLoaded(String action) {
        requireOpen();
        if (loaded) {
            throw new IllegalStateException("cannot " + action + ": BPF object " + name + " is already loaded");
        }
    }

    void requireOpen() {
        if (guard.isReleased()) {
            throw new IllegalStateException("BPF object " + name + " is closed");
        }
    }

    @Override
    public void close() {
        guard.release();
    }

    @Override
    public String toString() {
        return "BpfObject[" + name + (loaded ? ", loaded" : "") + (guard.isReleased() ? ", closed" : "") + ", programs "
                + programs.stream().map(BpfProgram::name).toList() + "]";
    }
}
