package io.latscope.bpf;

import io.latscope.bpf.raw.LibBpf;
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
 */
final class LibbpfLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.latscope.bpf.libbpf");
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    private static volatile boolean installed;

    private LibbpfLog() {
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        Native.requireLibbpf();
        // Once-installed upcall: the global arena is right here.
        MemorySegment fn = libbpf_print_fn_t.allocate(LibbpfLog::print, Arena.global());
        LibBpf.libbpf_set_print(fn);
        installed = true;
    }

    private static int print(int level, MemorySegment fmt, MemorySegment args) {
        // libbpf's debug level (2) says something for every CO-RE relocation and feature probe:
        // hundreds of upcalls per object load, each formatted for nothing unless traced
        boolean wanted = level <= 1 ? CAPTURE.get() != null || LOG.isDebugEnabled() : LOG.isTraceEnabled();
        if (!wanted) {
            return 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(2048);
            LibC.vsnprintf(buf, buf.byteSize(), fmt, args);
            String msg = buf.getString(0).stripTrailing();
            StringBuilder sb = CAPTURE.get();
            if (sb != null && level <= 1) {
                sb.append(msg).append('\n');
            }
            switch (level) {
                case 0 -> LOG.debug("{}", msg); // LIBBPF_WARN: surfaced through exceptions
                case 1 -> LOG.debug("{}", msg);
                default -> LOG.trace("{}", msg);
            }
        } catch (Throwable t) {
            // never unwind into libbpf
        }
        return 0;
    }

    /** Starts collecting warnings and info printed by libbpf on this thread. */
    static void startCapture() {
        install();
        CAPTURE.set(new StringBuilder());
    }

    /** Stops collecting and returns what libbpf said on this thread since {@link #startCapture()}. */
    static String endCapture() {
        StringBuilder sb = CAPTURE.get();
        CAPTURE.remove();
        return sb == null ? "" : sb.toString();
    }
}
