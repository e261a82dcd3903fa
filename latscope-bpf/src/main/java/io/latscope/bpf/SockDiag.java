package io.latscope.bpf;

import io.latscope.bpf.raw.SockDiagH;
import io.latscope.bpf.raw.inet_diag_msg;
import io.latscope.bpf.raw.inet_diag_req_v2;
import io.latscope.bpf.raw.inet_diag_sockid;
import io.latscope.bpf.raw.nlattr;
import io.latscope.bpf.raw.nlmsgerr;
import io.latscope.bpf.raw.nlmsghdr;
import io.latscope.bpf.raw.tcp_info;
import io.latscope.error.Errno;
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
import java.util.Optional;

/**
 * The established TCP sockets of one network namespace and their {@code tcp_info}
 * counters, straight from the kernel's sock_diag netlink interface (what {@code ss -ti}
 * reads), without starting a process. The netlink socket is opened inside the namespace
 * once and answers for that namespace from any thread: a dump of every established socket
 * ({@link #established()}) or one socket by its ends ({@link #lookup}).
 */
public final class SockDiag implements AutoCloseable {
    // messages, constants and offsets: jextract's reading of the UAPI headers (sock_diag_api.h)
    private static final int NLMSG_HDR = (int) nlmsghdr.layout().byteSize();
    private static final int REQUEST_SIZE = NLMSG_HDR + (int) inet_diag_req_v2.layout().byteSize();
    private static final long DIAG_MSG = inet_diag_msg.layout().byteSize();
    private static final long NLA_HDR = nlattr.layout().byteSize();
    private static final int ALIGN = SockDiagH.NLMSG_ALIGNTO(); // of messages and attributes alike
    private static final long MSG_LEN = nlmsghdr.nlmsg_len$offset(), MSG_TYPE = nlmsghdr.nlmsg_type$offset(),
            MSG_SEQ = nlmsghdr.nlmsg_seq$offset();
    private static final long ID = inet_diag_msg.id$offset();
    private static final long FAMILY = inet_diag_msg.idiag_family$offset(), UID = inet_diag_msg.idiag_uid$offset(),
            INODE = inet_diag_msg.idiag_inode$offset(), SPORT = ID + inet_diag_sockid.idiag_sport$offset(),
            DPORT = ID + inet_diag_sockid.idiag_dport$offset(), SRC = ID + inet_diag_sockid.idiag_src$offset(),
            DST = ID + inet_diag_sockid.idiag_dst$offset(), COOKIE = ID + inet_diag_sockid.idiag_cookie$offset();
    private static final long ERROR = nlmsgerr.error$offset(), STATE = inet_diag_msg.idiag_state$offset();
    /** TCP states of a connected socket with a struct tcp_sock and its counters (include/net/tcp_states.h). */
    private static final java.util.Set<Integer> CONNECTED = java.util.Set.of(SockDiagH.BPF_TCP_ESTABLISHED(),
            SockDiagH.BPF_TCP_SYN_SENT(), SockDiagH.BPF_TCP_SYN_RECV(), SockDiagH.BPF_TCP_FIN_WAIT1(),
            SockDiagH.BPF_TCP_FIN_WAIT2(), SockDiagH.BPF_TCP_CLOSE_WAIT(), SockDiagH.BPF_TCP_LAST_ACK(),
            SockDiagH.BPF_TCP_CLOSING());
    private static final long NLA_LEN = nlattr.nla_len$offset(), NLA_TYPE = nlattr.nla_type$offset();
    // struct tcp_info: a stable ABI whose fields are only ever appended, so a shorter one lacks the later ones
    private static final long TCPI_TOTAL_RETRANS = tcp_info.tcpi_total_retrans$offset(),
            TCPI_BYTES_ACKED = tcp_info.tcpi_bytes_acked$offset(), TCPI_BYTES_RECEIVED = tcp_info.tcpi_bytes_received$offset(),
            TCPI_DATA_SEGS_IN = tcp_info.tcpi_data_segs_in$offset(), TCPI_DATA_SEGS_OUT = tcp_info.tcpi_data_segs_out$offset(),
            TCPI_BYTES_SENT = tcp_info.tcpi_bytes_sent$offset(), TCPI_BYTES_RETRANS = tcp_info.tcpi_bytes_retrans$offset();
    private static final int AF_INET = SockDiagH.AF_INET(), AF_INET6 = SockDiagH.AF_INET6();
    private static final short SOCK_DIAG_BY_FAMILY = (short) SockDiagH.SOCK_DIAG_BY_FAMILY();
    private static final int NLMSG_ERROR = SockDiagH.NLMSG_ERROR(), NLMSG_DONE = SockDiagH.NLMSG_DONE();
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /**
     * One established TCP socket: its ends, owner inode and uid, and cumulative counters.
     * {@code dataBytesSent} is payload sent once ({@code tcpi_bytes_sent - tcpi_bytes_retrans},
     * Linux 5.5+; -1 on older kernels): {@code bytesAcked} also counts a SYN and a FIN.
     * {@code cookie} is the socket's cookie ({@code idiag_cookie}, the value BPF's
     * {@code bpf_get_socket_cookie} returns for it): it tells two connections with the same
     * ends apart.
     */
    public record TcpSocket(InetSocketAddress local, InetSocketAddress remote, long inode, long uid, long bytesAcked,
                            long bytesReceived, long dataSegsOut, long dataSegsIn, long totalRetrans, long dataBytesSent,
                            long cookie) {
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
        int fd = ns.run(() -> Native.socket(SockDiagH.AF_NETLINK(), SockDiagH.SOCK_DGRAM() | SockDiagH.SOCK_CLOEXEC(),
                SockDiagH.NETLINK_SOCK_DIAG(),
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

    /**
     * The connected TCP socket with these ends in the namespace at this moment (established,
     * or on its way there or to closing): one request that the kernel answers from its hash tables ({@code inet_diag_find_one_icsk}),
     * where {@link #established()} walks every bucket of them, twice. A socket bound to a device
     * is not found this way (the lookup is for sockets of any device), nor one that is not
     * connected any more (TIME_WAIT, closed).
     *
     * @param local  the socket's own address and port
     * @param remote its peer's
     * @return the socket, or empty when there is none (closed, or never there)
     */
    public synchronized Optional<TcpSocket> lookup(InetSocketAddress local, InetSocketAddress remote) {
        if (fd < 0) {
            throw new IllegalStateException("sock_diag socket of " + ns.name() + " is closed");
        }
        byte[] src = local.getAddress().getAddress(), dst = remote.getAddress().getAddress();
        if (src.length != dst.length) {
            throw new IllegalArgumentException("ends of different families: " + local + ", " + remote);
        }
        int family = src.length == 4 ? AF_INET : AF_INET6;
        MemorySegment req = prepare(family, SockDiagH.NLM_F_REQUEST());
        MemorySegment id = req.asSlice(inet_diag_req_v2.id$offset());
        id.set(BE16, inet_diag_sockid.idiag_sport$offset(), (short) local.getPort());
        id.set(BE16, inet_diag_sockid.idiag_dport$offset(), (short) remote.getPort());
        MemorySegment.copy(src, 0, id, ValueLayout.JAVA_BYTE, inet_diag_sockid.idiag_src$offset(), src.length);
        MemorySegment.copy(dst, 0, id, ValueLayout.JAVA_BYTE, inet_diag_sockid.idiag_dst$offset(), dst.length);
        // INET_DIAG_NOCOOKIE (~0U, a macro jextract does not translate) in both words: any socket with these ends
        id.set(U32, inet_diag_sockid.idiag_cookie$offset(), -1);
        id.set(U32, inet_diag_sockid.idiag_cookie$offset() + U32.byteSize(), -1);
        List<TcpSocket> out = new ArrayList<>(1);
        // the kernel's lookup falls back to a listener on the port, and finds TIME_WAIT and
        // request sockets: only a connected socket with these very ends is the one asked for
        exchange(family, false, CONNECTED::contains, out);
        return out.stream().findFirst().filter(t -> t.local().equals(local) && t.remote().equals(remote));
    }

    private void dump(int family, List<TcpSocket> out) {
        MemorySegment req = prepare(family, SockDiagH.NLM_F_REQUEST() | SockDiagH.NLM_F_DUMP());
        inet_diag_req_v2.idiag_states(req, 1 << SockDiagH.BPF_TCP_ESTABLISHED());
        exchange(family, true, state -> true, out); // the request asks for ESTABLISHED only
    }

    /** A fresh request for {@code family}'s TCP sockets with their tcp_info; returns its inet_diag_req_v2 part. */
    private MemorySegment prepare(int family, int flags) {
        request.fill((byte) 0);
        nlmsghdr.nlmsg_len(request, REQUEST_SIZE);
        nlmsghdr.nlmsg_type(request, SOCK_DIAG_BY_FAMILY);
        nlmsghdr.nlmsg_flags(request, (short) flags);
        nlmsghdr.nlmsg_seq(request, ++sequence);
        MemorySegment req = request.asSlice(NLMSG_HDR);
        inet_diag_req_v2.sdiag_family(req, (byte) family);
        inet_diag_req_v2.sdiag_protocol(req, (byte) SockDiagH.IPPROTO_TCP());
        inet_diag_req_v2.idiag_ext(req, (byte) (1 << (SockDiagH.INET_DIAG_INFO() - 1)));
        return req;
    }

    /**
     * Sends the prepared request and reads its answer into {@code out}: every socket up to
     * NLMSG_DONE for a dump, the one socket (or ENOENT: none) for a lookup; sockets in a
     * state {@code states} refuses are left out.
     */
    private void exchange(int family, boolean dump, java.util.function.IntPredicate states, List<TcpSocket> out) {
        int seq = sequence;
        String what = (dump ? "sock_diag dump" : "sock_diag lookup") + " (family " + family + ") in " + ns.name();
        Native.send(fd, request, what);
        while (true) {
            long n = Native.recv(fd, buffer, what);
            for (long off = 0; off + NLMSG_HDR <= n; ) {
                int len = buffer.get(U32, off + MSG_LEN);
                short type = buffer.get(U16, off + MSG_TYPE);
                int msgSeq = buffer.get(U32, off + MSG_SEQ);
                if (len < NLMSG_HDR || off + len > n) {
                    throw new IllegalStateException("malformed sock_diag message in " + ns.name());
                }
                if (msgSeq == seq) {
                    if (type == NLMSG_DONE) {
                        return;
                    }
                    if (type == NLMSG_ERROR) {
                        int err = -buffer.get(U32, off + NLMSG_HDR + ERROR);
                        if (err == 0 || (!dump && err == Errno.ENOENT)) {
                            return;
                        }
                        throw new KernelException(what, err);
                    }
                    if (type == SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDR + DIAG_MSG) {
                        if (states.test(buffer.get(ValueLayout.JAVA_BYTE, off + NLMSG_HDR + STATE))) {
                            out.add(decode(buffer, off + NLMSG_HDR, off + len));
                        }
                        if (!dump) {
                            return;
                        }
                    }
                }
                off += align(len);
            }
        }
    }

    private static TcpSocket decode(MemorySegment b, long msg, long end) {
        int family = b.get(ValueLayout.JAVA_BYTE, msg + FAMILY);
        int addrLen = family == AF_INET ? 4 : 16;
        InetSocketAddress local = new InetSocketAddress(address(b, msg + SRC, addrLen), Short.toUnsignedInt(b.get(BE16, msg + SPORT)));
        InetSocketAddress remote = new InetSocketAddress(address(b, msg + DST, addrLen), Short.toUnsignedInt(b.get(BE16, msg + DPORT)));
        long uid = Integer.toUnsignedLong(b.get(U32, msg + UID));
        long inode = Integer.toUnsignedLong(b.get(U32, msg + INODE));
        // sock_diag_save_cookie: the low word first, then the high one
        long cookie = Integer.toUnsignedLong(b.get(U32, msg + COOKIE)) | (long) b.get(U32, msg + COOKIE + U32.byteSize()) << 32;
        long acked = 0;
        long received = 0;
        long segsOut = 0;
        long segsIn = 0;
        long retrans = 0;
        long sentOnce = -1;
        for (long a = msg + DIAG_MSG; a + NLA_HDR <= end; ) {
            int rtaLen = Short.toUnsignedInt(b.get(U16, a + NLA_LEN));
            int rtaType = Short.toUnsignedInt(b.get(U16, a + NLA_TYPE));
            if (rtaLen < NLA_HDR) {
                break;
            }
            if (rtaType == SockDiagH.INET_DIAG_INFO()) {
                long info = a + NLA_HDR;
                long infoLen = Math.min(rtaLen - NLA_HDR, end - info);
                retrans = infoLen >= TCPI_TOTAL_RETRANS + U32.byteSize() ? Integer.toUnsignedLong(b.get(U32, info + TCPI_TOTAL_RETRANS)) : 0;
                acked = infoLen >= TCPI_BYTES_ACKED + U64.byteSize() ? b.get(U64, info + TCPI_BYTES_ACKED) : 0;
                received = infoLen >= TCPI_BYTES_RECEIVED + U64.byteSize() ? b.get(U64, info + TCPI_BYTES_RECEIVED) : 0;
                segsIn = infoLen >= TCPI_DATA_SEGS_IN + U32.byteSize() ? Integer.toUnsignedLong(b.get(U32, info + TCPI_DATA_SEGS_IN)) : 0;
                segsOut = infoLen >= TCPI_DATA_SEGS_OUT + U32.byteSize() ? Integer.toUnsignedLong(b.get(U32, info + TCPI_DATA_SEGS_OUT)) : 0;
                if (infoLen >= TCPI_BYTES_RETRANS + U64.byteSize()) {
                    sentOnce = b.get(U64, info + TCPI_BYTES_SENT) - b.get(U64, info + TCPI_BYTES_RETRANS);
                }
            }
            a += align(rtaLen);
        }
        return new TcpSocket(local, remote, inode, uid, acked, received, segsOut, segsIn, retrans, sentOnce, cookie);
    }

    /** NLMSG_ALIGN / NLA_ALIGN (function-like macros, which jextract does not translate). */
    private static long align(long len) {
        return (len + ALIGN - 1) & -ALIGN;
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
