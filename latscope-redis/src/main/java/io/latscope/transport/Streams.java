package io.latscope.transport;

import java.nio.charset.StandardCharsets;

/** Key names of a session in Redis: {@code latscope:{session}:…}. */
final class Streams {
    static final byte[] GROUP = bytes("controller");
    static final byte[] F_SEQ = bytes("q");
    static final byte[] F_TYPE = bytes("t");
    static final byte[] F_DATA = bytes("d");
    static final byte[] F_HOST = bytes("h");

    private Streams() {
    }

    /**
     * One stream per session that every agent appends to (each entry names its host): one
     * key to read, however many hosts — a stream per agent made Redis scan a thousand keys
     * per read. Each agent's entries keep their order within it.
     */
    static byte[] sessionStream(String session) {
        return bytes("latscope:" + session + ":records");
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
