package io.latscope.bpf;

import io.latscope.error.KernelException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The established TCP sockets of one network namespace and their {@code tcp_info}
 * counters, straight from the kernel's sock_diag netlink interface (what {@code ss -ti}
 * reads), without starting a process. The netlink socket is opened inside the namespace
 * once and answers for that namespace from any thread; one dump per call.
 */
public final class SockDiag implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final short SOCK_DIAG_BY_FAMILY = 20;
    private static final short NLMSG_ERROR = 2;
    private static final short NLMSG_DONE = 3;
    private static final short NLM_F_REQUEST_DUMP = 0x301;
    private static final int NLMSG_HDR = 16;
    private static final int REQUEST_SIZE = NLMSG_HDR + 56; // nlmsghdr + inet_diag_req_v2
    private static final int DIAG_MSG = 72;                  // struct inet_diag_msg
    private static final int INET_DIAG_INFO = 2;
    private static final int TCP_ESTABLISHED = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int IPPROTO_TCP = 6;
    // struct tcp_info offsets (uapi/linux/tcp.h; stable ABI, fields only ever appended)
    private static final int TCPI_TOTAL_RETRANS = 100;
    private static final int TCPI_BYTES_ACKED = 120;
    private static final int TCPI_BYTES_RECEIVED = 128;
    private static final int TCPI_DATA_SEGS_IN = 152;
    private static final int TCPI_DATA_SEGS_OUT = 156;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /** One established TCP socket: its ends, owner inode and uid, and cumulative counters. */
    public record TcpSocket(InetSocketAddress local, InetSocketAddress remote, long inode, long uid, long bytesAcked,
                            long bytesReceived, long dataSegsOut, long dataSegsIn, long totalRetrans) {
    }

    private final NetNs ns;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request = arena.allocate(REQUEST_SIZE, 8);
    private final MemorySegment buffer = arena.allocate(64 * 1024, 8);
    private int fd;
    private int sequence;

    private SockDiag(NetNs ns, int fd) {
        this.ns = ns;
        this.fd = fd;
    }

    /** Opens a sock_diag socket inside {@code ns}. */
    public static SockDiag open(NetNs ns) {
        int fd = ns.run(() -> Native.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG,
                "socket(AF_NETLINK, NETLINK_SOCK_DIAG) in network namespace " + ns.name()
                        + " (kernel without CONFIG_INET_DIAG?)"));
        return new SockDiag(ns, fd);
    }

    public NetNs namespace() {
        return ns;
    }

    /** Every established TCP socket of the namespace, IPv4 and IPv6, at this moment. */
    public synchronized List<TcpSocket> established() {
        if (fd < 0) {
            throw new IllegalStateException("sock_diag socket of " + ns.name() + " is closed");
        }
        List<TcpSocket> out = new ArrayList<>();
        dump(AF_INET, out);
        dump(AF_INET6, out);
        return out;
    }

    private void dump(int family, List<TcpSocket> out) {
        int seq = ++sequence;
        request.fill((byte) 0);
        request.set(U32, 0, REQUEST_SIZE);
        request.set(U16, 4, SOCK_DIAG_BY_FAMILY);
        request.set(U16, 6, NLM_F_REQUEST_DUMP);
        request.set(U32, 8, seq);
        request.set(ValueLayout.JAVA_BYTE, NLMSG_HDR, (byte) family);
        request.set(ValueLayout.JAVA_BYTE, NLMSG_HDR + 1, (byte) IPPROTO_TCP);
        request.set(ValueLayout.JAVA_BYTE, NLMSG_HDR + 2, (byte) (1 << (INET_DIAG_INFO - 1)));
        request.set(U32, NLMSG_HDR + 4, 1 << TCP_ESTABLISHED);
        Native.send(fd, request, "sock_diag dump request in " + ns.name());
        while (true) {
            long n = Native.recv(fd, buffer, "sock_diag dump in " + ns.name());
            for (long off = 0; off + NLMSG_HDR <= n; ) {
                int len = buffer.get(U32, off);
                short type = buffer.get(U16, off + 4);
                int msgSeq = buffer.get(U32, off + 8);
                if (len < NLMSG_HDR || off + len > n) {
                    throw new IllegalStateException("malformed sock_diag message in " + ns.name());
                }
                if (msgSeq == seq) {
                    if (type == NLMSG_DONE) {
                        return;
                    }
                    if (type == NLMSG_ERROR) {
                        int err = -buffer.get(U32, off + NLMSG_HDR);
                        if (err == 0) {
                            return;
                        }
                        throw new KernelException("sock_diag dump (family " + family + ") in " + ns.name(), err);
                    }
                    if (type == SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDR + DIAG_MSG) {
                        out.add(decode(buffer, off + NLMSG_HDR, off + len));
                    }
                }
                off += (len + 3) & ~3;
            }
        }
    }

    private static TcpSocket decode(MemorySegment b, long msg, long end) {
        int family = b.get(ValueLayout.JAVA_BYTE, msg);
        int addrLen = family == AF_INET ? 4 : 16;
        InetSocketAddress local = new InetSocketAddress(address(b, msg + 8, addrLen), Short.toUnsignedInt(b.get(BE16, msg + 4)));
        InetSocketAddress remote = new InetSocketAddress(address(b, msg + 24, addrLen), Short.toUnsignedInt(b.get(BE16, msg + 6)));
        long uid = Integer.toUnsignedLong(b.get(U32, msg + 64));
        long inode = Integer.toUnsignedLong(b.get(U32, msg + 68));
        long acked = 0;
        long received = 0;
        long segsOut = 0;
        long segsIn = 0;
        long retrans = 0;
        for (long a = msg + DIAG_MSG; a + 4 <= end; ) {
            int rtaLen = Short.toUnsignedInt(b.get(U16, a));
            int rtaType = Short.toUnsignedInt(b.get(U16, a + 2));
            if (rtaLen < 4) {
                break;
            }
            if (rtaType == INET_DIAG_INFO) {
                long info = a + 4;
                long infoLen = Math.min(rtaLen - 4, end - info);
                retrans = infoLen >= TCPI_TOTAL_RETRANS + 4 ? Integer.toUnsignedLong(b.get(U32, info + TCPI_TOTAL_RETRANS)) : 0;
                acked = infoLen >= TCPI_BYTES_ACKED + 8 ? b.get(U64, info + TCPI_BYTES_ACKED) : 0;
                received = infoLen >= TCPI_BYTES_RECEIVED + 8 ? b.get(U64, info + TCPI_BYTES_RECEIVED) : 0;
                segsIn = infoLen >= TCPI_DATA_SEGS_IN + 4 ? Integer.toUnsignedLong(b.get(U32, info + TCPI_DATA_SEGS_IN)) : 0;
                segsOut = infoLen >= TCPI_DATA_SEGS_OUT + 4 ? Integer.toUnsignedLong(b.get(U32, info + TCPI_DATA_SEGS_OUT)) : 0;
            }
            a += (rtaLen + 3) & ~3;
        }
        return new TcpSocket(local, remote, inode, uid, acked, received, segsOut, segsIn, retrans);
    }

    /** IPv4-mapped IPv6 addresses come back as IPv4 (the packets are IPv4). */
    private static InetAddress address(MemorySegment b, long off, int len) {
        try {
            return InetAddress.getByAddress(b.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // length is 4 or 16
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Native.close(fd);
            fd = -1;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SockDiag[" + ns.name() + "]";
    }
}
