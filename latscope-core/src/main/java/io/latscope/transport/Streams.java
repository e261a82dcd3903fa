package io.latscope.transport;

import java.nio.charset.StandardCharsets;

/** Key names of a session in Redis: {@code latscope:{session}:…}. */
final class Streams {
    static final byte[] GROUP = bytes("controller");
    static final byte[] F_SEQ = bytes("q");
    static final byte[] F_TYPE = bytes("t");
    static final byte[] F_DATA = bytes("d");

    private Streams() {
    }

    /** One stream per agent: what it sends, in order. */
    static byte[] agentStream(String session, String host) {
        return bytes("latscope:" + session + ":agent:" + host);
    }

    /** The controller's acknowledgment: the highest sequence number it has processed. */
    static byte[] ack(String session, String host) {
        return bytes("latscope:" + session + ":ack:" + host);
    }

    /** The controller's heartbeat, with a time to live: gone means the controller is gone. */
    static byte[] alive(String session) {
        return bytes("latscope:" + session + ":alive");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
