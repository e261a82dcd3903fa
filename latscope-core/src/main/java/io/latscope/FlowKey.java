package io.latscope;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a TCP connection: the bytes sent from {@code src:srcPort} to
 * {@code dst:dstPort}. IPv4 addresses are kept as {@link java.net.Inet4Address}.
 */
public record FlowKey(InetAddress src, int srcPort, InetAddress dst, int dstPort) {
    public FlowKey {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
    }

    /** The opposite direction of the same connection. */
    public FlowKey reversed() {
        return new FlowKey(dst, dstPort, src, srcPort);
    }

    @Override
    public String toString() {
        return addr(src) + ":" + srcPort + "->" + addr(dst) + ":" + dstPort;
    }

    private static String addr(InetAddress a) {
        String h = a.getHostAddress();
        return h.indexOf(':') >= 0 ? "[" + h + "]" : h;
    }
}
