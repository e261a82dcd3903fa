package io.latscope.bpf;

import io.latscope.error.ConfigurationException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Network interfaces by name, resolved in a namespace. */
public final class Interfaces {
    private Interfaces() {
    }

    /** The ifindex of {@code ifname} in {@code ns}. */
    public static int index(NetNs ns, String ifname) {
        return ns.run(() -> {
            try (Arena a = Arena.ofConfined()) {
                int idx = Calls.if_nametoindex(a.allocateFrom(ifname));
                if (idx == 0) {
                    throw new ConfigurationException("interface '" + ifname + "' does not exist in network namespace "
                            + ns.name() + " (see: ip -n " + ns.name() + " link)");
                }
                return idx;
            }
        });
    }

    /** In the calling thread's namespace: which mode the XDP program on {@code ifindex} runs in, if any. */
    static XdpMode xdpModeOf(int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(ValueLayout.JAVA_INT);
            if (Calls.bpf_xdp_query_id(ifindex, XdpMode.NATIVE.flags, id) == 0 && id.get(ValueLayout.JAVA_INT, 0) != 0) {
                return XdpMode.NATIVE;
            }
            if (Calls.bpf_xdp_query_id(ifindex, XdpMode.GENERIC.flags, id) == 0 && id.get(ValueLayout.JAVA_INT, 0) != 0) {
                return XdpMode.GENERIC;
            }
            return XdpMode.AUTO;
        }
    }

    /** The XDP mode of the program attached to {@code ifname} in {@code ns}, or null when none is. */
    public static XdpMode attachedXdpMode(NetNs ns, String ifname) {
        return ns.run(() -> {
            XdpMode m = xdpModeOf(index(ns, ifname));
            return m == XdpMode.AUTO ? null : m;
        });
    }
}
