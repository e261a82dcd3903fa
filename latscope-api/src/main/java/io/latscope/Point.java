package io.latscope;

import io.latscope.error.ConfigurationException;

import java.util.Arrays;
import java.util.Locale;

/**
 * A probe point: where on a byte's way the kernel stamps it, in path order. Hops run from
 * one point to the next ({@link Hop}); a {@link MarkerRecord} holds a marker's stamp at each.
 * {@link #label()} is the short name reports print ({@code tx.sock}); {@link #parse(String)}
 * reads that or the constant's name.
 */
public enum Point {
    /** The application's write enters the socket (write system call entry, or the copy into the socket). */
    TX_SOCK,
    /** TCP builds the segment. */
    TX_TCP,
    /** IP: netfilter LOCAL_OUT. */
    TX_IP,
    /** The device queue (qdisc) is entered: net_dev_queue. */
    TX_DEV,
    /** The driver takes the packet: net_dev_start_xmit (a veth hands it to its peer here). */
    TX_XMIT,
    /** The receiving device hands the packet to the stack. */
    RX_DEV,
    /** IP: netfilter PRE_ROUTING. */
    RX_IP,
    /** TCP receive processing: tcp_probe. */
    RX_TCP,
    /** The data is queued for the reader: sk_data_ready. */
    RX_SOCK,
    /** The application's read has it: the copy out of the socket is done and the socket released. */
    RX_APP;

    /**
     * The short name reports and counters use.
     *
     * @return e.g. {@code tx.sock}, {@code rx.app}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /**
     * Parses what {@link #label()} or {@link #name()} wrote.
     *
     * @param text a label ({@code tx.sock}) or a constant's name ({@code TX_SOCK}), any case
     * @return the point
     * @throws ConfigurationException naming every point when {@code text} is none of them
     */
    public static Point parse(String text) {
        String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('.', '_');
        for (Point p : values()) {
            if (p.name().equals(t)) {
                return p;
            }
        }
        throw new ConfigurationException("unknown probe point '" + text + "'; points are "
                + Arrays.stream(values()).map(Point::label).toList());
    }

    @Override
    public String toString() {
        return label();
    }
}
