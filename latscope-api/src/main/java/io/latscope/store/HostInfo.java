package io.latscope.store;

import java.util.List;

/**
 * One host of a session and its place in the topology: a bare-metal host, a VM or a
 * container whose {@code parent} is the label of the host it runs on (the seed's
 * {@code isvm}/{@code iscontainer}), so VM↔host and container↔host hops can be paired.
 *
 * @param label      the host's label, as hop scopes name it
 * @param address    the address it was reached at: {@code localhost} for this host, a remote host's clock-sync
 *                   address (empty for a session without sync)
 * @param kind       what sort of host it is
 * @param parent     the label of the host a VM or container runs on; null otherwise
 * @param interfaces a remote host's clock-sync interface; for the local host, the network namespaces
 *                   measured; empty when there are none
 */
public record HostInfo(String label, String address, Kind kind, String parent, List<String> interfaces) {
    /** What sort of host. */
    public enum Kind {
        /** The host the session's JVM ran on. */
        LOCAL,
        /** A remote machine of its own. */
        BARE_METAL,
        /** A virtual machine on its {@code parent}. */
        VM,
        /** A container on its {@code parent}. */
        CONTAINER
    }

    /**
     * Copies the interfaces.
     *
     * @param label      the host's label
     * @param address    the address it was reached at
     * @param kind       what sort of host it is
     * @param parent     the parent's label, or null
     * @param interfaces its sync interfaces
     */
    public HostInfo {
        interfaces = List.copyOf(interfaces);
    }
}
