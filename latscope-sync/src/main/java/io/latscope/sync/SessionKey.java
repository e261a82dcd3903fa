package io.latscope.sync;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Identity and secret of one sync session: replies are matched by {@code sessionId}, and
 * when {@code authenticated}, every probe and reply carries a SipHash-2-4 MAC under the
 * 128-bit key {@code (k0, k1)}, so stray or forged packets cannot move a clock. The
 * controller makes one per session and hands it to every host's responder.
 */
public record SessionKey(long sessionId, long k0, long k1, boolean authenticated) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public SessionKey {
        if (sessionId == 0) {
            throw new IllegalArgumentException("session id 0 is reserved (no initiator)");
        }
    }

    /** A fresh session with a random id and a random key. */
    public static SessionKey random() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return new SessionKey(id, RANDOM.nextLong(), RANDOM.nextLong(), true);
    }

    /** A fresh session id without authentication. */
    public static SessionKey unauthenticated() {
        SessionKey k = random();
        return new SessionKey(k.sessionId, 0, 0, false);
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
