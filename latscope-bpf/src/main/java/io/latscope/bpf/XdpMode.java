package io.latscope.bpf;

/** How an XDP program runs on a device. */
public enum XdpMode {
    /** Native (driver) mode when the driver supports it, generic otherwise: the kernel decides. */
    AUTO(0),
    /** Generic (skb) mode: works everywhere, after the skb is built. */
    GENERIC(1 << 1),
    /** Native (driver) mode: before the skb exists; veth and most NIC drivers. */
    NATIVE(1 << 2);

    final int flags;

    XdpMode(int flags) {
        this.flags = flags;
    }
}
