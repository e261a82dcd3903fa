package io.latscope;

import io.latscope.error.ConfigurationException;

import java.util.Arrays;
import java.util.Locale;

/** A layer of the network stack that LatScope timestamps. */
public enum Layer {
    /** The socket: from the application's write to TCP, and from TCP to the application's read. */
    SOCKET,
    /** TCP: segment building and transmission; receive processing up to the socket queue. */
    TCP,
    /** IP: from netfilter LOCAL_OUT to the device queue; from PRE_ROUTING to TCP. */
    IP,
    /** Device: qdisc and driver queue on transmit; driver/backlog to IP on receive. */
    DEV,
    /** Virtual ethernet: from one veth end's transmit to its peer's receive. */
    VETH;

    /**
     * Parses a layer name, case-insensitively; unknown names list the valid ones.
     *
     * @param name e.g. {@code tcp}, {@code DEV}
     * @return the layer
     * @throws ConfigurationException when {@code name} is null or no layer's name
     */
    public static Layer parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ConfigurationException("unknown layer '" + name + "'; layers are " + Arrays.toString(values()));
        }
    }
}
