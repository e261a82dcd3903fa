package io.latscope;

import io.latscope.error.ConfigurationException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * What a session measures — immutable, printable, comparable data: {@link #start()} may be
 * called many times, each giving a new live session. Made by {@link LatScope#builder()}.
 *
 * @param hosts    hosts to probe ({@link Host#local()} by default)
 * @param layers   layers whose boundaries are timestamped
 * @param traffic  which traffic counts: ports, namespaces, flows
 * @param sampling how markers are chosen and followed
 * @param interval length of an interval report (and of store writes)
 * @param store    where results are persisted; null = in-process only
 * @param label    a name for people and the store
 * @param redis    where remote hosts' agents meet the controller; null for sessions on this host only
 * @param sync     how remote hosts' clocks are mapped to the controller's ({@link SyncSpec#none()} by default)
 */
public record SessionSpec(List<Host> hosts, Set<Layer> layers, Traffic traffic, Sampling sampling, Duration interval,
                          StoreSpec store, String label, RedisSpec redis, SyncSpec sync) {

    /**
     * Which traffic a session counts.
     *
     * @param ports         TCP ports of interest (either end); empty = every port
     * @param namespaces    network namespaces whose traffic counts; ignored when {@code allNamespaces}
     * @param allNamespaces count traffic in every network namespace
     * @param flows         flows of interest (either direction); empty = every flow
     */
    public record Traffic(Set<Integer> ports, List<Namespace> namespaces, boolean allNamespaces, List<FlowKey> flows) {
        /** Copies the collections. */
        public Traffic {
            ports = Set.copyOf(ports);
            namespaces = List.copyOf(namespaces);
            flows = List.copyOf(flows);
        }
    }

    /**
     * How markers are chosen and followed.
     *
     * @param strideBytes            marker stride N: the byte at sequence s is a marker when s mod N = 0
     * @param includeRetransmissions put retransmitted markers into the histograms too
     * @param markerTimeout          a marker not read by the application within this is finished as incomplete
     * @param markerSampleEvery      store one marker record of every N finished markers (0 = none)
     * @param ringBufferBytes        size of the kernel-to-agent ring buffer (a power of two); events that
     *                               do not fit are dropped by the kernel and counted
     * @param syscallBoundaries      start tx.SOCKET at the write's entry (tcp_sendmsg's through a BPF
     *                               trampoline where the kernel allows it, else the write's first copy
     *                               pass or its sleep on the socket's lock before it, or with system
     *                               property latscope.writeEntry=sys_enter the system call's, with which
     *                               every system call of every process takes the kernel's slower traced
     *                               path) instead of at each pass of the kernel's copy into the socket
     *                               (on by default); rx.SOCKET ends at the read's copy out of the socket
     *                               either way
     * @param probeCost              measure each probe's run time (kernel bpf_stats, in sampling windows)
     */
    public record Sampling(int strideBytes, boolean includeRetransmissions, Duration markerTimeout, int markerSampleEvery,
                           int ringBufferBytes, boolean syscallBoundaries, boolean probeCost) {
        /**
         * The stride as the probes use it: a marker is a byte whose sequence number has this
         * many low bits zero.
         *
         * @return log2 of the stride
         */
        public int strideShift() {
            return Integer.numberOfTrailingZeros(strideBytes);
        }
    }

    /** Copies the collections. */
    public SessionSpec {
        hosts = List.copyOf(hosts);
        layers = Set.copyOf(layers);
    }

    /**
     * Whether the session runs on this host only.
     *
     * @return whether every host is this one (no SSH, no Redis, no clock sync)
     */
    public boolean isLocal() {
        return hosts.stream().allMatch(h -> h instanceof Host.Local);
    }

    /**
     * Starts a live session: on this host, loads and attaches the probes in this JVM; with
     * remote hosts, deploys and starts their agents and the controller. The engine is found
     * through {@link SessionProvider} (latscope-agent for this host, latscope-remote for
     * hosts over SSH).
     *
     * @return the live session
     */
    public LatScopeSession start() {
        return start(SessionListener.NONE);
    }

    /**
     * Starts a live session that calls {@code listener} (see {@link #start()}).
     *
     * @param listener called with every finished marker, on LatScope's draining thread
     * @return the live session
     */
    public LatScopeSession start(SessionListener listener) {
        return provider().start(this, listener == null ? SessionListener.NONE : listener);
    }

    private SessionProvider provider() {
        List<String> found = new ArrayList<>();
        for (SessionProvider p : ServiceLoader.load(SessionProvider.class)) {
            if (p.supports(this)) {
                return p;
            }
            found.add(p.name());
        }
        String need = isLocal() ? "io.latscope:latscope-agent" : "io.latscope:latscope-remote";
        throw new ConfigurationException("no LatScope engine can run this session (" + (isLocal() ? "this host only"
                : "remote hosts") + "); add the dependency " + need + " (engines found: " + found + ")");
    }
}
