package io.latscope.agent;

import io.latscope.error.ConfigurationException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How tx.SOCKET finds when the application's write began, with syscall boundaries on
 * (probes.bpf.c, {@code write_entry}). System property {@value #PROPERTY}:
 * <ul>
 * <li>{@code auto} (the default): {@link #FENTRY} where the kernel allows BPF trampolines,
 *     else {@link #FIRST_COPY}, else {@link #SYS_ENTER};</li>
 * <li>{@code fentry}: tcp_sendmsg's entry, before the socket's lock (only TCP sends run it);</li>
 * <li>{@code first-copy}: the write's first pass of the kernel's copy loop, or the moment the
 *     write went to sleep before it (on the socket's lock; a preemption on the way to the
 *     lock is not seen): tcp_sendmsg_locked and sock_send_length, run by sends only, and
 *     sched_switch, which every context switch of the host runs (all but uninterruptible
 *     sleeps return at the first test);</li>
 * <li>{@code sys_enter}: the write system call's entry (the raw tracepoint: every system call
 *     of every task on the host then takes the kernel's traced path).</li>
 * </ul>
 * A choice the kernel refuses falls to the next one in that order under {@code auto}; a named
 * one falls to the copy itself (stamped at each pass). {@code first_copy} and {@code sys-enter}
 * are taken too.
 */
enum WriteEntry {
    FENTRY(List.of("tx_sock_end", "tx_sock_begin"), true,
            "tcp_sendmsg entry, before the socket lock (the write's system call entry, less its descriptor lookup"
                    + " and message-header copy)"),
    FIRST_COPY(List.of("tx_sock_done", "tx_sock_wait"), false,
            "the write's first pass of the copy loop, or where the write went to sleep on the socket's lock before it;"
                    + " its way to the lock and a preemption on that way are not included"),
    SYS_ENTER(List.of("sys_enter"), false, "write/writev/sendto/sendmsg system call entry");

    /** The system property read when a session's probes are loaded. */
    static final String PROPERTY = "latscope.writeEntry";

    /** Its programs, in attach order (what ends an entry before what notes one). */
    final List<String> programs;
    /** Whether they attach through BPF trampolines. */
    final boolean trampolines;
    /** Where tx.SOCKET starts with it, as the session's report says. */
    final String boundary;

    WriteEntry(List<String> programs, boolean trampolines, String boundary) {
        this.programs = programs;
        this.trampolines = trampolines;
        this.boundary = boundary;
    }

    /** The ways to try, best first, as the property asks on a kernel with or without trampolines. */
    static List<WriteEntry> candidates(boolean trampolinesAllowed) {
        String v = System.getProperty(PROPERTY, "auto").strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto", "" -> {
                List<WriteEntry> l = new ArrayList<>(List.of(FIRST_COPY, SYS_ENTER));
                if (trampolinesAllowed) {
                    l.addFirst(FENTRY);
                }
                yield List.copyOf(l);
            }
            case "fentry" -> trampolinesAllowed ? List.of(FENTRY) : List.of();
            case "first-copy", "first_copy" -> List.of(FIRST_COPY);
            case "sys_enter", "sys-enter" -> List.of(SYS_ENTER);
            default -> throw new ConfigurationException(PROPERTY + " must be auto, fentry, first-copy or sys_enter, got '"
                    + System.getProperty(PROPERTY) + "'");
        };
    }

    /** Every program of every way (not loaded unless chosen). */
    static List<String> allPrograms() {
        List<String> all = new ArrayList<>();
        for (WriteEntry e : values()) {
            all.addAll(e.programs);
        }
        return all;
    }
}
