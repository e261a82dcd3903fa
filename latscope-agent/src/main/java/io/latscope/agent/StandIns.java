package io.latscope.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * fentry/fexit programs that stand in for a hook the kernel lacks, where it allows BPF
 * trampolines (since 5.5):
 * <ul>
 * <li>the socket points' tracepoints are recent (none of tcp_sendmsg_locked,
 *     sock_recv_length and sk_data_ready is in Debian 12's 6.1; sk_data_ready came with
 *     6.6): the functions that fire them, used when tracefs lists no such tracepoint;</li>
 * <li>the IP points' netfilter BPF links came with 6.4: the functions that run the LOCAL_OUT
 *     and PRE_ROUTING hooks, for IPv4 and IPv6, used when the kernel refuses netfilter
 *     programs.</li>
 * </ul>
 */
final class StandIns {
    static final Path TRACEFS = Path.of("/sys/kernel/tracing/events");

    /**
     * One stand-in.
     *
     * @param tracepoint the tracefs name (subsystem/event) of the tracepoint it replaces; null
     *                   for the IP points, which replace netfilter programs
     * @param programs   its programs in probes.bpf.c
     * @param hook       its sections, as reports name hooks
     */
    record StandIn(String tracepoint, List<String> programs, String hook) {
        StandIn(String tracepoint, String program, String hook) {
            this(tracepoint, List.of(program), hook);
        }

        /** Whether it replaces the netfilter programs of an IP point. */
        boolean forNetfilter() {
            return tracepoint == null;
        }
    }

    private static final Map<ProbePoint, StandIn> BY_POINT = new EnumMap<>(Map.of(
            ProbePoint.TX_SOCK, new StandIn("tcp/tcp_sendmsg_locked", "tx_sock_fentry", "fentry/tcp_sendmsg_locked"),
            ProbePoint.TX_IP, new StandIn(null, List.of("tx_ip_fentry", "tx_ip6_fentry"),
                    "fentry/__ip_local_out, __ip6_local_out"),
            ProbePoint.RX_IP, new StandIn(null, List.of("rx_ip_fentry", "rx_ip6_fentry"), "fentry/ip_rcv_core, ip6_rcv_core"),
            ProbePoint.RX_SOCK, new StandIn("sock/sk_data_ready", "rx_sock_fentry", "fentry/sock_def_readable"),
            ProbePoint.RX_APP, new StandIn("sock/sock_recv_length", "rx_app_fexit", "fexit/tcp_recvmsg")));

    private StandIns() {
    }

    static Optional<StandIn> of(ProbePoint p) {
        return Optional.ofNullable(BY_POINT.get(p));
    }

    /** The point a stand-in program measures, or null. */
    static ProbePoint pointOf(String program) {
        for (Map.Entry<ProbePoint, StandIn> e : BY_POINT.entrySet()) {
            if (e.getValue().programs().contains(program)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Whether tracefs says the kernel has no such tracepoint (false when tracefs is not
     * mounted: no knowing; false for a netfilter stand-in).
     */
    static boolean tracepointMissing(StandIn s) {
        return !s.forNetfilter() && Files.isDirectory(TRACEFS) && !Files.isDirectory(TRACEFS.resolve(s.tracepoint()));
    }
}
