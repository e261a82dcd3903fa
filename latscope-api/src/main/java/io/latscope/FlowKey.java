package io.latscope;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a TCP connection: the bytes sent from {@code src:srcPort} to
 * {@code dst:dstPort}. IPv4 addresses are kept as {@link java.net.Inet4Address}.
 *
 * @param src     the sender's address
 * @param srcPort the sender's TCP port; 0 in a selector means any port
 * @param dst     the receiver's address
 * @param dstPort the receiver's TCP port; 0 in a selector means any port
 */
public record FlowKey(InetAddress src, int srcPort, InetAddress dst, int dstPort) {
    /**
     * Checks that both addresses are there.
     *
     * @param src     the sender's address
     * @param srcPort the sender's TCP port
     * @param dst     the receiver's address
     * @param dstPort the receiver's TCP port
     * @throws NullPointerException when {@code src} or {@code dst} is null
     */
    public FlowKey {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
    }

    /**
     * Whether {@code flow} is this flow in either direction, a port of 0 here matching any
     * port (so {@code new FlowKey(client, 0, server, 5001)} selects every connection from
     * that client to that server port).
     *
     * @param flow a flow a report names
     * @return true when it is this flow or its reverse, wildcard ports matching any
     */
    public boolean matches(FlowKey flow) {
        return same(flow) || same(flow.reversed());
    }

    private boolean same(FlowKey f) {
        return src.equals(f.src) && dst.equals(f.dst) && (srcPort == 0 || srcPort == f.srcPort)
                && (dstPort == 0 || dstPort == f.dstPort);
    }

    /**
     * The opposite direction of the same connection: what the receiver sends back.
     *
     * @return the flow with source and destination swapped
     */
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
