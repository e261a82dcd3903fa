package io.latscope.sync;

import io.latscope.sync.layout.SyncH;
import io.latscope.sync.layout.sync_probe;
import io.latscope.sync.layout.sync_sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Wire layout of a probe ({@code struct sync_probe} in src-bpf/include/sync.h, big-endian)
 * and of the frames the initiator injects; decoding of the {@code struct sync_sample}
 * records the initiator's XDP program writes. Sizes, offsets and constants come from what
 * jextract generated from sync.h ({@code io.latscope.sync.layout}).
 */
final class ProbeCodec {
    static final int MAGIC = SyncH.SYNC_MAGIC();
    static final int VERSION = SyncH.SYNC_VERSION();
    static final int REQUEST = SyncH.SYNC_REQUEST(), REPLY = SyncH.SYNC_REPLY();
    static final int PROBE_SIZE = (int) sync_probe.layout().byteSize(), MAC_OFFSET = (int) sync_probe.mac$offset();
    static final int OFF_MAGIC = (int) sync_probe.magic$offset(), OFF_VERSION = (int) sync_probe.version$offset(),
            OFF_TYPE = (int) sync_probe.type$offset(), OFF_FLAGS = (int) sync_probe.flags$offset(),
            OFF_SESSION = (int) sync_probe.session$offset(), OFF_SEQ = (int) sync_probe.seq$offset(),
            OFF_T1 = (int) sync_probe.t1$offset(), OFF_T2 = (int) sync_probe.t2$offset(), OFF_T3 = (int) sync_probe.t3$offset(),
            OFF_PREV_SEQ = (int) sync_probe.prev_seq$offset(), OFF_PREV_T3 = (int) sync_probe.prev_t3$offset(),
            OFF_PREV_T3_FLOOR = (int) sync_probe.prev_t3_floor$offset();
    static final int ETH_HLEN = 14, IPV4_HLEN = 20, IPV6_HLEN = 40, UDP_HLEN = 8;

    private ProbeCodec() {
    }

    /** A decoded probe payload. */
    record Probe(int type, long session, long seq, long t1, long t2, long t3, long prevSeq, long prevT3) {
    }

    // ---- payload --------------------------------------------------------------

    /** Writes a sealed REQUEST at {@code off}. */
    static void writeRequest(ByteBuffer b, int off, SessionKey key, long seq) {
        writeRequest(b, off, key, seq, 0);
    }

    /** Writes a sealed REQUEST at {@code off} that carries its send time {@code t1} (0: the injecting program sets it). */
    static void writeRequest(ByteBuffer b, int off, SessionKey key, long seq, long t1) {
        b.putInt(off + OFF_MAGIC, MAGIC);
        b.put(off + OFF_VERSION, (byte) VERSION);
        b.put(off + OFF_TYPE, (byte) REQUEST);
        b.putShort(off + OFF_FLAGS, (short) 0);
        b.putLong(off + OFF_SESSION, key.sessionId());
        b.putLong(off + OFF_SEQ, seq);
        b.putLong(off + OFF_T1, t1);
        b.putLong(off + OFF_T2, 0);
        b.putLong(off + OFF_T3, 0);
        b.putLong(off + OFF_PREV_SEQ, 0);
        b.putLong(off + OFF_PREV_T3, 0);
        b.putLong(off + OFF_PREV_T3_FLOOR, 0);
        seal(b, off, key);
    }

    /** Turns a REQUEST at {@code off} into a sealed REPLY with responder stamps (user-space responder). */
    static void makeReply(ByteBuffer b, int off, SessionKey key, long t2, long t3) {
        b.put(off + OFF_TYPE, (byte) REPLY);
        b.putLong(off + OFF_T2, t2);
        b.putLong(off + OFF_T3, t3);
        b.putLong(off + OFF_PREV_SEQ, 0);
        b.putLong(off + OFF_PREV_T3, 0);
        b.putLong(off + OFF_PREV_T3_FLOOR, 0);
        seal(b, off, key);
    }

    /** The probe at {@code off}, or null when it is not a probe of this version. */
    static Probe read(ByteBuffer b, int off, int length) {
        if (length < PROBE_SIZE || b.getInt(off + OFF_MAGIC) != MAGIC || b.get(off + OFF_VERSION) != VERSION) {
            return null;
        }
        return new Probe(b.get(off + OFF_TYPE), b.getLong(off + OFF_SESSION), b.getLong(off + OFF_SEQ),
                b.getLong(off + OFF_T1), b.getLong(off + OFF_T2), b.getLong(off + OFF_T3),
                b.getLong(off + OFF_PREV_SEQ), b.getLong(off + OFF_PREV_T3));
    }

    static boolean macOk(ByteBuffer b, int off, SessionKey key) {
        return !key.authenticated() || b.getLong(off + MAC_OFFSET) == key.mac(words(b, off));
    }

    static void seal(ByteBuffer b, int off, SessionKey key) {
        b.putLong(off + MAC_OFFSET, key.mac(words(b, off)));
    }

    private static long[] words(ByteBuffer b, int off) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long[] w = new long[MAC_OFFSET / Long.BYTES]; // SipHash's input: the words before the MAC
        for (int i = 0; i < w.length; i++) {
            w[i] = le.getLong(off + Long.BYTES * i);
        }
        return w;
    }

    // ---- frames -----------------------------------------------------------------

    /** Offset of the probe in a frame to {@code dst}. */
    static int probeOffset(InetAddress dst) {
        return ETH_HLEN + (dst instanceof Inet6Address ? IPV6_HLEN : IPV4_HLEN) + UDP_HLEN;
    }

    /**
     * A complete Ethernet frame carrying a REQUEST from {@code src}:{@code port} to
     * {@code dst}:{@code port}; {@link #setSeq} renumbers it.
     */
    static byte[] requestFrame(byte[] dstMac, byte[] srcMac, InetAddress src, InetAddress dst, int port,
                               SessionKey key, long seq) {
        boolean v6 = dst instanceof Inet6Address;
        if (v6 != (src instanceof Inet6Address)) {
            throw new IllegalArgumentException("address families differ: " + src + " and " + dst);
        }
        int l3 = v6 ? IPV6_HLEN : IPV4_HLEN;
        int udpLen = UDP_HLEN + PROBE_SIZE;
        byte[] frame = new byte[ETH_HLEN + l3 + udpLen];
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.put(0, dstMac).put(6, srcMac).putShort(12, (short) (v6 ? 0x86DD : 0x0800));
        int ip = ETH_HLEN;
        if (v6) {
            b.putInt(ip, 6 << 28);
            b.putShort(ip + 4, (short) udpLen);
            b.put(ip + 6, (byte) 17);
            b.put(ip + 7, (byte) 64);
            b.put(ip + 8, src.getAddress()).put(ip + 24, dst.getAddress());
        } else {
            b.put(ip, (byte) 0x45);
            b.putShort(ip + 2, (short) (l3 + udpLen));
            b.putShort(ip + 6, (short) 0x4000); // DF
            b.put(ip + 8, (byte) 64);
            b.put(ip + 9, (byte) 17);
            b.put(ip + 12, src.getAddress()).put(ip + 16, dst.getAddress());
            b.putShort(ip + 10, (short) ~sum(frame, ip, IPV4_HLEN, 0));
        }
        int udp = ETH_HLEN + l3;
        b.putShort(udp, (short) port).putShort(udp + 2, (short) port).putShort(udp + 4, (short) udpLen);
        setSeq(frame, dst, key, seq);
        return frame;
    }

    /** Renumbers a frame made by {@link #requestFrame}: new seq, MAC and UDP checksum. */
    static void setSeq(byte[] frame, InetAddress dst, SessionKey key, long seq) {
        setSeq(frame, dst, key, seq, 0);
    }

    /** {@link #setSeq(byte[], InetAddress, SessionKey, long)} with the send time {@code t1} in the probe. */
    static void setSeq(byte[] frame, InetAddress dst, SessionKey key, long seq, long t1) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        int probe = probeOffset(dst);
        writeRequest(b, probe, key, seq, t1);
        int udp = probe - UDP_HLEN;
        int udpLen = UDP_HLEN + PROBE_SIZE;
        boolean v6 = dst instanceof Inet6Address;
        int addrOff = v6 ? ETH_HLEN + 8 : ETH_HLEN + 12;
        int addrLen = v6 ? 32 : 8;
        b.putShort(udp + 6, (short) 0);
        long pseudo = sum(frame, addrOff, addrLen, 17 + udpLen);
        int c = ~sum(frame, udp, udpLen, pseudo) & 0xffff;
        b.putShort(udp + 6, (short) (c == 0 ? 0xffff : c));
    }

    /** Ones'-complement sum of 16-bit big-endian words, folded to 16 bits. */
    private static int sum(byte[] d, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((d[off + i] & 0xff) << 8) | (d[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            s += (d[off + len - 1] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    static boolean sameFamily(InetAddress a, InetAddress b) {
        return (a instanceof Inet4Address) == (b instanceof Inet4Address);
    }

    // ---- samples from the ring buffer ---------------------------------------

    /**
     * One reply as the initiator's XDP program recorded it (struct sync_sample, native order).
     * {@code t1Floor} and {@code prevT3Floor} were taken before the hand-off whose time
     * {@code t1Xmit} and {@code prevT3} took after it (0 = unknown).
     */
    record Reply(long session, long seq, long t1Prog, long t1Xmit, long t1Floor, long t2, long t3Prog, long prevSeq,
                 long prevT3, long prevT3Floor, long t4, byte[] peerMac, byte[] ownMac) {
    }

    static Reply readSample(MemorySegment s, long off) {
        MemorySegment r = s.asSlice(off, sync_sample.layout()); // ring records are 8-byte aligned
        return new Reply(sync_sample.session(r), sync_sample.seq(r), sync_sample.t1_prog(r), sync_sample.t1_xmit(r),
                sync_sample.t1_floor(r), sync_sample.t2(r), sync_sample.t3_prog(r), sync_sample.prev_seq(r),
                sync_sample.prev_t3(r), sync_sample.prev_t3_floor(r), sync_sample.t4(r),
                sync_sample.peer_mac(r).toArray(ValueLayout.JAVA_BYTE), sync_sample.own_mac(r).toArray(ValueLayout.JAVA_BYTE));
    }
}
