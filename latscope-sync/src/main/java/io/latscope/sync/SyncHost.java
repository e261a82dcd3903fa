package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.error.ConfigurationException;

import java.net.InetAddress;

/**
 * A host taking part in clock sync: its name (for models and errors), the network
 * namespace it lives in, the interface probes arrive on and that interface's address.
 * On one machine, hosts are namespaces; on real hosts, the host's own namespace.
 */
public record SyncHost(String name, NetNs netns, String ifname, InetAddress address) {

    public SyncHost {
        if (name == null || name.isBlank()) {
            throw new ConfigurationException("a sync host needs a name");
        }
        if (netns == null || ifname == null || ifname.isBlank() || address == null) {
            throw new ConfigurationException("sync host " + name + " needs a network namespace, an interface and an address");
        }
    }

    /** {@code address} is a literal IPv4 or IPv6 address, e.g. "10.0.0.2" or "fd00::2". */
    public static SyncHost of(String name, NetNs netns, String ifname, String address) {
        try {
            return new SyncHost(name, netns, ifname, InetAddress.ofLiteral(address));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("sync host " + name + ": '" + address + "' is not an IP address literal", e);
        }
    }

    /** "b (vb-a, 10.0.0.2, netns ls1-b)" */
    public String describe() {
        return name + " (interface " + ifname + ", " + address.getHostAddress() + ", netns " + netns.name() + ")";
    }
}
