package io.latscope;

import io.latscope.agent.LocalSession;
import io.latscope.bpf.NetNs;
import io.latscope.store.StoreSpec;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a session measures — immutable, printable, reusable: {@link #start()} may be
 * called many times, each giving a new live session. Made by {@link LatScope#builder()}.
 *
 * @param hosts            hosts to probe ({@link Host#local()} by default)
 * @param layers           layers whose boundaries are timestamped
 * @param ports            TCP ports of interest (either end); empty = every port
 * @param namespaces       network namespaces whose traffic counts; ignored when {@code allNamespaces}
 * @param allNamespaces    count traffic in every network namespace
 * @param flows            flows of interest (either direction); empty = every flow
 * @param strideBytes      marker stride N: the byte at sequence s is a marker when s mod N = 0
 * @param includeRetransmissions put retransmitted markers into the histograms too
 * @param interval         length of an interval report (and of store writes)
 * @param markerTimeout    a marker not read by the application within this is finished as incomplete
 * @param probeCost        measure each probe's run time (kernel bpf_stats; costs ~20 ns per probe run)
 * @param store            where results are persisted; null = in-process only
 * @param label            a name for people and the store
 * @param markerSampleEvery store one marker record of every N finished markers (0 = none)
 * @param markerListener   called with every finished marker, on LatScope's draining thread (keep it quick)
 * @param ringBufferBytes  size of the kernel-to-agent ring buffer (a power of two); events that
 *                         do not fit are dropped by the kernel and counted
 * @param redisUrl         where remote hosts' agents meet the controller ({@code redis://host:port/db});
 *                         null for sessions on this host only
 * @param redisPassword    Redis password (never printed); null for none, or LATSCOPE_REDIS_PASSWORD
 * @param sync             how remote hosts' clocks are mapped to the controller's (none by default)
 * @param syncReference    the controller's interface for clock sync: this process's namespace,
 *                         interface and address as the hosts see it
 * @param syscallBoundaries start tx.SOCKET at the write system call's entry and end rx.SOCKET at
 *                         the read's return (syscall tracepoints; every system call of every
 *                         process then takes the kernel's slower traced path), instead of at
 *                         the kernel's copies into and out of the socket
 */
public record SessionSpec(List<Host> hosts, Set<Layer> layers, Set<Integer> ports, List<NetNs> namespaces,
                          boolean allNamespaces, List<FlowKey> flows, int strideBytes, boolean includeRetransmissions,
                          Duration interval, Duration markerTimeout, boolean probeCost, StoreSpec store, String label,
                          int markerSampleEvery, Consumer<MarkerPath> markerListener, int ringBufferBytes,
                          boolean syscallBoundaries, String redisUrl, Secret redisPassword,
                          io.latscope.sync.SyncStrategy sync, io.latscope.sync.SyncHost syncReference) {

    public SessionSpec {
        hosts = List.copyOf(hosts);
        layers = Set.copyOf(layers);
        ports = Set.copyOf(ports);
        namespaces = List.copyOf(namespaces);
        flows = List.copyOf(flows);
    }

    /** log2 of the stride. */
    public int strideShift() {
        return Integer.numberOfTrailingZeros(strideBytes);
    }

    /**
     * Starts a live session: on this host, loads and attaches the probes in this JVM; with
     * remote hosts, deploys and starts their agents and the controller.
     */
    public LatScopeSession start() {
        if (hosts.stream().allMatch(h -> h instanceof Host.Local)) {
            return LocalSession.start(this);
        }
        return io.latscope.remote.RemoteHosts.start(this);
    }
}
