package io.latscope.sync;

/**
 * SipHash-2-4 of a message of whole 64-bit words, as {@code probe_mac()} in
 * src-bpf/sync.bpf.c computes it for the 64 bytes of a probe before its MAC. The
 * reference test vectors of SipHash apply (see SipHashTest).
 */
final class SipHash {
    private SipHash() {
    }

    /** {@code words} are the message's 64-bit words, read little-endian. */
    static long hash(long k0, long k1, long[] words) {
        long[] v = {0x736f6d6570736575L ^ k0, 0x646f72616e646f6dL ^ k1, 0x6c7967656e657261L ^ k0,
                0x7465646279746573L ^ k1};
        for (long m : words) {
            v[3] ^= m;
            rounds(v, 2);
            v[0] ^= m;
        }
        long b = ((long) words.length * 8) << 56;
        v[3] ^= b;
        rounds(v, 2);
        v[0] ^= b;
        v[2] ^= 0xff;
        rounds(v, 4);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void rounds(long[] v, int n) {
        long v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
        for (int r = 0; r < n; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v[0] = v0; v[1] = v1; v[2] = v2; v[3] = v3;
    }
}
