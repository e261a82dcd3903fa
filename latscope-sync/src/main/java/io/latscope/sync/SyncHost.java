package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.error.ConfigurationException;

import java.net.InetAddress;

/**
 * A host taking part in clock sync: its name (for models and errors), the network
 * namespace it lives in, the interface probes arrive on and that interface's address.
 * On one machine, hosts are namespaces; on real hosts, the host's own namespace.
 *
 * @param name    the host's name in models and errors; unique in a sync
 * @param netns   the network namespace the interface is in
 * @param ifname  the interface probes arrive on (and where the XDP program attaches)
 * @param address that interface's address, the one probes are sent to
 */
public record SyncHost(String name, NetNs netns, String ifname, InetAddress address) {

    /**
     * Checks that every part is there.
     *
     * @throws ConfigurationException when a part is null or blank
     */
    public SyncHost {
        if (name == null || name.isBlank()) {
            throw new ConfigurationException("a sync host needs a name");
        }
        if (netns == null || ifname == null || ifname.isBlank() || address == null) {
            throw new ConfigurationException("sync host " + name + " needs a network namespace, an interface and an address");
        }
    }

    /**
     * A host by the address literal of its interface.
     *
     * @param name    the host's name in models and errors
     * @param netns   the network namespace the interface is in
     * @param ifname  the interface probes arrive on
     * @param address a literal IPv4 or IPv6 address, e.g. "10.0.0.2" or "fd00::2"; never a name to resolve
     * @return the host
     * @throws ConfigurationException when {@code address} is not an IP literal, or a part is missing
     */
    public static SyncHost of(String name, NetNs netns, String ifname, String address) {
        try {
            return new SyncHost(name, netns, ifname, InetAddress.ofLiteral(address));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("sync host " + name + ": '" + address + "' is not an IP address literal", e);
        }
    }

    /**
     * A host in a namespace named with the API's {@link io.latscope.Namespace}: what a program
     * on the module path uses, where the kernel layer's own namespace type is not exported.
     *
     * @param name      the host's name in models and errors
     * @param namespace the network namespace the interface is in, e.g. {@code Namespace.current()}
     * @param ifname    the interface probes arrive on
     * @param address   a literal IPv4 or IPv6 address of that interface
     * @return the host
     * @throws ConfigurationException when the namespace does not exist, {@code address} is not an
     *                                IP literal, or a part is missing
     */
    public static SyncHost of(String name, io.latscope.Namespace namespace, String ifname, String address) {
        if (namespace == null) {
            throw new ConfigurationException("sync host " + name + " needs a network namespace");
        }
        return of(name, NetNs.of(namespace), ifname, address);
    }

    /**
     * The host for messages.
     *
     * @return e.g. {@code b (interface vb-a, 10.0.0.2, netns ls1-b)}
     */
    public String describe() {
        return name + " (interface " + ifname + ", " + address.getHostAddress() + ", netns " + netns.name() + ")";
    }
}
