package io.latscope.sync;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class ProbeCodecTest {
    /** UDP header and probe. */
    static final int UDP_LEN = 8 + ProbeCodec.PROBE_SIZE;

    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 0xa};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 0xb};

    @Test
    void sipHashMatchesTheReferenceVectors() {
        // key 00 01 … 0f, message 00 01 … (n−1), from the SipHash paper's reference code
        long k0 = 0x0706050403020100L, k1 = 0x0f0e0d0c0b0a0908L;
        assertThat(SipHash.hash(k0, k1, new long[0])).isEqualTo(0x726fdb47dd0e0e31L);
        long[] words = new long[8];
        ByteBuffer b = ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 64; i++) {
            b.put(i, (byte) i);
        }
        for (int i = 0; i < 8; i++) {
            words[i] = b.getLong(8 * i);
        }
        assertThat(SipHash.hash(k0, k1, words)).isEqualTo(0xacd2c40b8502cad8L);
    }

    @Test
    void requestRoundTripsAndTheMacCatchesAnyChange() {
        SessionKey key = SessionKey.random();
        ByteBuffer b = ByteBuffer.allocate(ProbeCodec.PROBE_SIZE);
        ProbeCodec.writeRequest(b, 0, key, 42);
        ProbeCodec.Probe p = ProbeCodec.read(b, 0, ProbeCodec.PROBE_SIZE);
        assertThat(p).isEqualTo(new ProbeCodec.Probe(ProbeCodec.REQUEST, key.sessionId(), 42, 0, 0, 0, 0, 0));
        assertThat(ProbeCodec.macOk(b, 0, key)).isTrue();
        assertThat(ProbeCodec.macOk(b, 0, SessionKey.random())).isFalse();
        b.putLong(ProbeCodec.OFF_SEQ, 43);
        assertThat(ProbeCodec.macOk(b, 0, key)).isFalse();

        ProbeCodec.writeRequest(b, 0, key, 42);
        ProbeCodec.makeReply(b, 0, key, 1000, 2000);
        assertThat(ProbeCodec.read(b, 0, ProbeCodec.PROBE_SIZE))
                .isEqualTo(new ProbeCodec.Probe(ProbeCodec.REPLY, key.sessionId(), 42, 0, 1000, 2000, 0, 0));
        assertThat(ProbeCodec.macOk(b, 0, key)).isTrue();
    }

    @Test
    void unauthenticatedSessionsCarryNoMac() {
        SessionKey key = SessionKey.unauthenticated();
        ByteBuffer b = ByteBuffer.allocate(ProbeCodec.PROBE_SIZE);
        ProbeCodec.writeRequest(b, 0, key, 7);
        assertThat(b.getLong(ProbeCodec.MAC_OFFSET)).isZero();
        assertThat(ProbeCodec.macOk(b, 0, key)).isTrue();
        SessionKey secret = SessionKey.random();
        assertThat(secret.toString()).doesNotContain(Long.toHexString(secret.k0())).contains("authenticated");
    }

    @Test
    void notAProbeIsRecognised() {
        ByteBuffer b = ByteBuffer.allocate(ProbeCodec.PROBE_SIZE);
        assertThat(ProbeCodec.read(b, 0, ProbeCodec.PROBE_SIZE)).isNull();
        ProbeCodec.writeRequest(b, 0, SessionKey.random(), 1);
        assertThat(ProbeCodec.read(b, 0, ProbeCodec.PROBE_SIZE - 1)).isNull();
        b.put(4, (byte) 9);
        assertThat(ProbeCodec.read(b, 0, ProbeCodec.PROBE_SIZE)).isNull();
    }

    @Test
    void ipv4FramesHaveValidChecksums() throws Exception {
        SessionKey key = SessionKey.random();
        InetAddress src = InetAddress.ofLiteral("10.1.2.3"), dst = InetAddress.ofLiteral("10.1.2.4");
        byte[] f = ProbeCodec.requestFrame(MAC_B, MAC_A, src, dst, 19733, key, 5);
        assertThat(f).hasSize(14 + 20 + UDP_LEN);
        assertThat(ones(f, 14, 20, 0)).isEqualTo(0xffff); // IPv4 header
        long pseudo = ones(f, 14 + 12, 8, 17 + UDP_LEN);
        assertThat(ones(f, 34, UDP_LEN, pseudo)).isEqualTo(0xffff); // UDP
        ProbeCodec.setSeq(f, dst, key, 6);
        assertThat(ones(f, 34, UDP_LEN, pseudo)).isEqualTo(0xffff);
        ByteBuffer b = ByteBuffer.wrap(f);
        assertThat(ProbeCodec.read(b, ProbeCodec.probeOffset(dst), ProbeCodec.PROBE_SIZE).seq()).isEqualTo(6);
        assertThat(ProbeCodec.macOk(b, ProbeCodec.probeOffset(dst), key)).isTrue();
    }

    @Test
    void ipv6FramesHaveValidChecksums() {
        SessionKey key = SessionKey.random();
        InetAddress src = InetAddress.ofLiteral("fd00::1"), dst = InetAddress.ofLiteral("fd00::2");
        byte[] f = ProbeCodec.requestFrame(MAC_B, MAC_A, src, dst, 19733, key, 5);
        assertThat(f).hasSize(14 + 40 + UDP_LEN);
        assertThat(ByteBuffer.wrap(f).getShort(12)).isEqualTo((short) 0x86dd);
        long pseudo = ones(f, 14 + 8, 32, 17 + UDP_LEN);
        assertThat(ones(f, 54, UDP_LEN, pseudo)).isEqualTo(0xffff);
    }

    /** Ones'-complement sum, folded; a valid checksummed range sums to 0xffff. */
    static int ones(byte[] d, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            s += ((d[off + i] & 0xff) << 8) | (i + 1 < len ? d[off + i + 1] & 0xff : 0);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }
}
