package io.latscope.sync;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Identity and secret of one sync session: replies are matched by {@code sessionId}, and
 * when {@code authenticated}, every probe and reply carries a SipHash-2-4 MAC under the
 * 128-bit key {@code (k0, k1)}, so stray or forged packets cannot move a clock. The
 * controller makes one per session and hands it to every host's responder.
 *
 * @param sessionId     the session's id, carried by every probe; never 0
 * @param k0            first half of the SipHash key
 * @param k1            second half of the SipHash key
 * @param authenticated whether probes carry a MAC (unauthenticated keys have k0 = k1 = 0)
 */
public record SessionKey(long sessionId, long k0, long k1, boolean authenticated) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Checks the session id.
     *
     * @throws IllegalArgumentException when {@code sessionId} is 0 (reserved: no initiator)
     */
    public SessionKey {
        if (sessionId == 0) {
            throw new IllegalArgumentException("session id 0 is reserved (no initiator)");
        }
    }

    /**
     * A fresh session with a random id and a random key.
     *
     * @return an authenticated key from {@link SecureRandom}
     */
    public static SessionKey random() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return new SessionKey(id, RANDOM.nextLong(), RANDOM.nextLong(), true);
    }

    /**
     * A fresh session id without authentication.
     *
     * @return a key whose probes carry no MAC
     */
    public static SessionKey unauthenticated() {
        SessionKey k = random();
        return new SessionKey(k.sessionId, 0, 0, false);
    }

    /**
     * The session in one string, for handing to a host's agent over a secure channel: {@code id:k0:k1:auth}.
     *
     * @return hex fields separated by colons; it holds the secret key, so never log it
     */
    public String encode() {
        HexFormat h = HexFormat.of();
        return h.toHexDigits(sessionId) + ":" + h.toHexDigits(k0) + ":" + h.toHexDigits(k1) + ":" + (authenticated ? 1 : 0);
    }

    /**
     * The inverse of {@link #encode()}.
     *
     * @param encoded what {@link #encode()} wrote
     * @return the key
     * @throws IllegalArgumentException when {@code encoded} is not of that form
     */
    public static SessionKey decode(String encoded) {
        String[] p = encoded.split(":");
        if (p.length != 4 || !(p[3].equals("0") || p[3].equals("1"))) {
            throw new IllegalArgumentException("not an encoded session key (id:k0:k1:auth in hex)");
        }
        return new SessionKey(HexFormat.fromHexDigitsToLong(p[0]), HexFormat.fromHexDigitsToLong(p[1]),
                HexFormat.fromHexDigitsToLong(p[2]), p[3].equals("1"));
    }

    long mac(long[] words) {
        return authenticated ? SipHash.hash(k0, k1, words) : 0;
    }

    @Override
    public String toString() {
        // never print the key itself
        return "SessionKey[session " + HexFormat.of().toHexDigits(sessionId) + (authenticated ? ", authenticated" : ", open") + "]";
    }
}
