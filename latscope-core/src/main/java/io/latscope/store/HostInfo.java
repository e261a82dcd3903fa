package io.latscope.store;

import java.util.List;

/**
 * One host of a session and its place in the topology: a bare-metal host, a VM or a
 * container whose {@code parent} is the label of the host it runs on (the seed's
 * {@code isvm}/{@code iscontainer}), so VM↔host and container↔host hops can be paired.
 */
public record HostInfo(String label, String address, Kind kind, String parent, List<String> interfaces) {
    public enum Kind {
        LOCAL, BARE_METAL, VM, CONTAINER
    }

    public HostInfo {
        interfaces = List.copyOf(interfaces);
    }
}
