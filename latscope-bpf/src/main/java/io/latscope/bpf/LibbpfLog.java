package io.latscope.bpf;

import io.latscope.bpf.raw.LibC;
import io.latscope.bpf.raw.libbpf_print_fn_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Routes libbpf's own messages to SLF4J instead of stderr, and lets a caller collect the
 * messages one libbpf call produced on its thread (libbpf prints synchronously), so that
 * errors such as "failed to find kernel BTF type ID of 'x'" reach the exception.
 *
 * <p>libbpf stays silent until its words are needed: the upcall that receives them costs a
 * fresh JVM 44-73 ms to create (the first upcall stub), 10-15 % of a session's start, for
 * messages that a successful open, load or attach only logs at debug level. A call that
 * fails while libbpf is silent is made again with the upcall {@linkplain #activate()
 * active} (a load on a fresh copy of the object, {@link BpfObject}), so its error carries
 * the same words; the upcall then stays active, and later failures are heard at once. With
 * {@code -Dlatscope.libbpfLog=debug} the upcall is active from the first call, and what
 * libbpf says reaches this logger ({@code io.latscope.bpf.libbpf}) when it is at debug
 * level (libbpf's own debug messages at trace). Without the property the logger is never
 * asked: asking starts SLF4J (it reads every jar of the class path for a provider, 25-40 ms
 * of a fresh JVM) in every session's start.
 */
final class LibbpfLog {
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("io.latscope.bpf.libbpf");
    }
    /** {@code debug}: libbpf heard from its first call. */
    static final String PROPERTY = "latscope.libbpfLog";
    private static final boolean TO_LOGGER = "debug".equalsIgnoreCase(System.getProperty(PROPERTY));
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    /** The upcall, created once when first activated (the global arena: it lives as long as libbpf may call it). */
    private static MemorySegment upcall;
    private static boolean initialized;
    private static volatile boolean active;

    private LibbpfLog() {
    }

    /**
     * Before libbpf's first call (from {@link Native#requireLibbpf()}): silences libbpf,
     * whose default is to print to stderr, or activates the upcall when {@value #PROPERTY}
     * is {@code debug}.
     */
    static synchronized void init() {
        if (initialized) {
            return;
        }
        initialized = true;
        if (TO_LOGGER) {
            activate();
        } else {
            Calls.libbpf_set_print(MemorySegment.NULL);
        }
    }

    /** Makes libbpf print through the upcall from now on (idempotent). */
    static synchronized void activate() {
        Native.requireLibbpf();
        initialized = true;
        if (active) {
            return;
        }
        if (upcall == null) {
            upcall = libbpf_print_fn_t.allocate(LibbpfLog::print, Arena.global());
        }
        Calls.libbpf_set_print(upcall);
        active = true;
    }

    /** Whether libbpf's messages reach {@link #startCapture()} now; when not, a failure must be repeated to hear them. */
    static boolean active() {
        return active;
    }

    /** Silent again, as after {@link #init()} (tests of the paths that repeat a failure). */
    static synchronized void silence() {
        Native.requireLibbpf();
        Calls.libbpf_set_print(MemorySegment.NULL);
        active = false;
    }

    private static int print(int level, MemorySegment fmt, MemorySegment args) {
        // libbpf's debug level (2) says something for every CO-RE relocation and feature probe:
        // hundreds of upcalls per object load, each formatted for nothing unless traced. The
        // logger is asked only when the property routes libbpf to it: asking starts SLF4J, and
        // an expected fallback (a feature probe refused, its load repeated to hear why) must
        // not start it
        StringBuilder sb = level <= 1 ? CAPTURE.get() : null;
        boolean logged = TO_LOGGER && (level <= 1 ? Log.LOG.isDebugEnabled() : Log.LOG.isTraceEnabled());
        if (sb == null && !logged) {
            return 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(2048);
            LibC.vsnprintf(buf, buf.byteSize(), fmt, args);
            String msg = buf.getString(0).stripTrailing();
            if (sb != null) {
                sb.append(msg).append('\n');
            }
            if (logged) {
                if (level <= 1) {
                    Log.LOG.debug("{}", msg); // LIBBPF_WARN and LIBBPF_INFO; warnings also reach exceptions
                } else {
                    Log.LOG.trace("{}", msg);
                }
            }
        } catch (Throwable t) {
            // never unwind into libbpf
        }
        return 0;
    }

    /**
     * Starts collecting warnings and info printed by libbpf on this thread; they reach it only
     * while the upcall is {@link #active()}.
     */
    static void startCapture() {
        Native.requireLibbpf();
        CAPTURE.set(new StringBuilder());
    }

    /** Stops collecting and returns what libbpf said on this thread since {@link #startCapture()}. */
    static String endCapture() {
        StringBuilder sb = CAPTURE.get();
        CAPTURE.remove();
        return sb == null ? "" : sb.toString();
    }
}
