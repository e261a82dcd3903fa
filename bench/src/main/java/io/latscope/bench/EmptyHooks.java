package io.latscope.bench;

import io.latscope.bpf.BpfLink;
import io.latscope.bpf.BpfObject;
import io.latscope.bpf.BpfProgram;
import io.latscope.bpf.Cgroups;
import io.latscope.bpf.NetNs;
import io.latscope.bpf.NetfilterHook;

import java.util.ArrayList;
import java.util.List;

/**
 * A do-nothing program on every hook LatScope's probes use ({@code emptyhooks.bpf.c}), the
 * netfilter ones in the given namespaces: what the kernel's dispatch alone costs a packet,
 * the floor for any tool that stamps these points. Without sockops, what tx TCP on fentry
 * would leave. The hooks of the write's entry follow {@link Entry}: a session on a kernel
 * without BPF trampolines takes it at the write's first copy pass or where the write left
 * the CPU before it (sched_switch) and ends it at sock_send_length ({@link Entry#FIRST_COPY},
 * the default since 2026-12-07); with
 * {@code latscope.writeEntry=sys_enter} from the raw sys_enter tracepoint. The system-call
 * exit program is on no hook of today's probes (they dropped it in issue 17):
 * {@link Entry#SYS_ENTER_AND_EXIT} is the floor as it was before, to show what that saved.
 * {@link #close()} detaches and unloads everything.
 */
final class EmptyHooks implements AutoCloseable {
    private final BpfObject obj;
    private final List<BpfLink> links = new ArrayList<>();

    private EmptyHooks(BpfObject obj) {
        this.obj = obj;
    }

    /** Which hooks of the write's entry to attach. */
    enum Entry { NONE, FIRST_COPY, SYS_ENTER, SYS_ENTER_AND_EXIT }

    static EmptyHooks attach(boolean sockops, Entry entry, NetNs... namespaces) {
        EmptyHooks h = new EmptyHooks(io.latscope.testbed.TestObjects.open("emptyhooks"));
        try {
            h.obj.load();
            for (BpfProgram p : h.obj.programs()) {
                switch (p.name()) {
                    case "e_tx_tcp" -> {
                        if (sockops) {
                            h.links.add(p.attachCgroup(Cgroups.v2Root()));
                        }
                    }
                    case "e_tx_sock_done", "e_tx_sock_wait" -> {
                        if (entry == Entry.FIRST_COPY) {
                            h.links.add(p.attach());
                        }
                    }
                    case "e_sys_enter" -> {
                        if (entry == Entry.SYS_ENTER || entry == Entry.SYS_ENTER_AND_EXIT) {
                            h.links.add(p.attach());
                        }
                    }
                    case "e_sys_exit" -> {
                        if (entry == Entry.SYS_ENTER_AND_EXIT) {
                            h.links.add(p.attach());
                        }
                    }
                    case "e_tx_ip", "e_rx_ip" -> {
                        NetfilterHook hook = p.name().equals("e_tx_ip") ? NetfilterHook.LOCAL_OUT : NetfilterHook.PRE_ROUTING;
                        for (NetNs ns : namespaces) {
                            for (NetfilterHook.Family fam : NetfilterHook.Family.values()) {
                                h.links.add(p.attachNetfilter(ns, fam, hook, Integer.MIN_VALUE + 1));
                            }
                        }
                    }
                    default -> h.links.add(p.attach());
                }
            }
            return h;
        } catch (RuntimeException | Error e) {
            h.close();
            throw e;
        }
    }

    /** The loaded programs (for bpf_stats). */
    List<BpfProgram> programs() {
        return obj.programs();
    }

    @Override
    public void close() {
        links.forEach(BpfLink::close);
        links.clear();
        obj.close();
    }
}
