package io.latscope;

import io.latscope.error.ConfigurationException;

import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;

/**
 * A stretch of a byte's path whose duration LatScope measures: the time between two
 * consecutive probe points. Written {@code tx.TCP}, {@code rx.SOCKET}, {@code VETH},
 * {@code NETWORK}, {@code VIRT}, {@code END_TO_END}; a hop may be scoped to a host or network namespace,
 * written {@code tx.DEV@ns1} (a path through several namespaces has one of each hop per
 * namespace).
 *
 * @param kind  which stretch of the path
 * @param layer the layer a {@code TX} or {@code RX} hop starts at; null for every other kind
 * @param scope the host or namespace label the hop was measured in; empty when unscoped
 */
public record Hop(Kind kind, Layer layer, String scope) implements Comparable<Hop> {

    /** The stretches of a path, in path order. */
    public enum Kind {
        /** Sender side: from entering {@code layer} to entering the next lower one. */
        TX,
        /** Veth pair: transmit on one end to receive on the peer. */
        VETH,
        /** Bridging or forwarding inside an intermediate namespace: receive to transmit. */
        FORWARD,
        /** Across hosts: sender's device transmit to receiver's device receive (clock-corrected). */
        NETWORK,
        /**
         * Between a virtual machine and the host it runs on ({@code Host.Ssh#vmOf}): the
         * sender's device transmit to the receiver's device receive, clock-corrected, as
         * {@link #NETWORK} — the virtual NIC (virtio queue, the hypervisor's backend, the tap)
         * instead of a wire.
         */
        VIRT,
        /** Receiver side: from entering {@code layer} to entering the next upper one. */
        RX,
        /** Application write to application read. */
        END_TO_END
    }

    /** Sender: the write system call to TCP's transmit of the segment, time in the send buffer included. */
    public static final Hop TX_SOCKET = tx(Layer.SOCKET);
    /** Sender: TCP's transmit of the segment to IP's netfilter LOCAL_OUT. */
    public static final Hop TX_TCP = tx(Layer.TCP);
    /** Sender: LOCAL_OUT to the device queue. */
    public static final Hop TX_IP = tx(Layer.IP);
    /** Sender: the device queue (qdisc) to the driver's transmit. */
    public static final Hop TX_DEV = tx(Layer.DEV);
    /** Transmit on one end of a veth pair to receive on its peer. */
    public static final Hop VETH = new Hop(Kind.VETH, null, "");
    /** Through an intermediate namespace (bridge or router): receive to transmit. */
    public static final Hop FORWARD = new Hop(Kind.FORWARD, null, "");
    /** Between hosts: the sender's device transmit to the receiver's device receive, clock-corrected (it carries the sync's error bound). */
    public static final Hop NETWORK = new Hop(Kind.NETWORK, null, "");
    /**
     * Between a virtual machine and its host ({@code Host.Ssh#vmOf}): the sender's device
     * transmit to the receiver's device receive through the virtual NIC, clock-corrected (it
     * carries the sync's error bound).
     */
    public static final Hop VIRT = new Hop(Kind.VIRT, null, "");
    /** Receiver: the device's receive to IP's netfilter PRE_ROUTING. */
    public static final Hop RX_DEV = rx(Layer.DEV);
    /** Receiver: PRE_ROUTING to TCP's receive processing. */
    public static final Hop RX_IP = rx(Layer.IP);
    /** Receiver: TCP's receive processing to the socket being told data is ready. */
    public static final Hop RX_TCP = rx(Layer.TCP);
    /** Receiver: data ready in the socket to the application's read returning it (time waiting to be read). */
    public static final Hop RX_SOCKET = rx(Layer.SOCKET);
    /** Application write to application read: for a matched marker, the sum of the hops in between. */
    public static final Hop END_TO_END = new Hop(Kind.END_TO_END, null, "");

    /**
     * Checks that exactly the {@code TX} and {@code RX} kinds have a layer, and that it is not
     * {@link Layer#VETH}; a null scope becomes empty.
     *
     * @param kind  which stretch of the path
     * @param layer the layer a {@code TX} or {@code RX} hop starts at, else null
     * @param scope a host or namespace label, or null or empty for none
     * @throws ConfigurationException when kind and layer do not fit together
     */
    public Hop {
        Objects.requireNonNull(kind, "kind");
        scope = scope == null ? "" : scope;
        if ((kind == Kind.TX || kind == Kind.RX) != (layer != null)) {
            throw new ConfigurationException("hop " + kind + " " + (layer == null ? "needs a layer" : "takes no layer"));
        }
        if ((kind == Kind.TX || kind == Kind.RX) && layer == Layer.VETH) {
            throw new ConfigurationException("VETH is a hop of its own, not tx.VETH or rx.VETH");
        }
    }

    /**
     * The sender's hop from entering {@code layer} to entering the next lower layer.
     *
     * @param layer SOCKET, TCP, IP or DEV
     * @return the unscoped hop
     * @throws ConfigurationException for {@link Layer#VETH} (use {@link #VETH})
     */
    public static Hop tx(Layer layer) {
        return new Hop(Kind.TX, layer, "");
    }

    /**
     * The receiver's hop from entering {@code layer} to entering the next upper layer.
     *
     * @param layer DEV, IP, TCP or SOCKET
     * @return the unscoped hop
     * @throws ConfigurationException for {@link Layer#VETH} (use {@link #VETH})
     */
    public static Hop rx(Layer layer) {
        return new Hop(Kind.RX, layer, "");
    }

    /**
     * The same hop scoped to a host or namespace label, as a multi-namespace or multi-host
     * report names it.
     *
     * @param scopeLabel a host or namespace label; empty or null for none
     * @return e.g. {@code tx.DEV@ns1}
     */
    public Hop in(String scopeLabel) {
        return new Hop(kind, layer, scopeLabel);
    }

    /**
     * The same hop without scope.
     *
     * @return this when unscoped already
     */
    public Hop unscoped() {
        return scope.isEmpty() ? this : new Hop(kind, layer, "");
    }

    /**
     * Whether this hop names the host or namespace it was measured in.
     *
     * @return true when the scope is not empty
     */
    public boolean isScoped() {
        return !scope.isEmpty();
    }

    /**
     * Parses {@code tx.DEV}, {@code rx.socket}, {@code VETH}, {@code END_TO_END}, {@code tx.DEV@ns1}:
     * what {@link #toString()} writes. Case does not matter; {@code tx_dev} and {@code E2E} are
     * accepted too.
     *
     * @param text a hop name, optionally followed by {@code @scope}
     * @return the hop
     * @throws ConfigurationException naming every hop when {@code text} is none of them
     */
    public static Hop parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigurationException("empty hop name; hops are " + names());
        }
        String t = text.strip();
        String scope = "";
        int at = t.indexOf('@');
        if (at >= 0) {
            scope = t.substring(at + 1);
            t = t.substring(0, at);
        }
        String u = t.toUpperCase(Locale.ROOT).replace('-', '_');
        Hop h;
        if (u.startsWith("TX.") || u.startsWith("TX_") || u.startsWith("RX.") || u.startsWith("RX_")) {
            Layer layer;
            try {
                layer = Layer.valueOf(u.substring(3));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("unknown hop '" + text + "'; hops are " + names());
            }
            if (layer == Layer.VETH) {
                throw new ConfigurationException("unknown hop '" + text + "'; the veth hop is written VETH. Hops are " + names());
            }
            h = u.startsWith("TX") ? tx(layer) : rx(layer);
        } else {
            try {
                Kind k = Kind.valueOf(u.equals("E2E") ? "END_TO_END" : u);
                if (k == Kind.TX || k == Kind.RX) {
                    throw new IllegalArgumentException();
                }
                h = new Hop(k, null, "");
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("unknown hop '" + text + "'; hops are " + names());
            }
        }
        return h.in(scope);
    }

    private static String names() {
        return "tx.SOCKET, tx.TCP, tx.IP, tx.DEV, VETH, FORWARD, NETWORK, VIRT, rx.DEV, rx.IP, rx.TCP, rx.SOCKET, END_TO_END"
                + " (optionally @scope)";
    }

    /** Path order: tx hops top-down, the wire, rx hops bottom-up, then END_TO_END. */
    private int order() {
        return switch (kind) {
            case TX -> layer.ordinal();
            case VETH -> 10;
            case FORWARD -> 11;
            case NETWORK -> 12;
            case VIRT -> 13;
            case RX -> 30 - layer.ordinal();
            case END_TO_END -> 40;
        };
    }

    private static final Comparator<Hop> ORDER = Comparator.comparingInt(Hop::order).thenComparing(Hop::scope);

    @Override
    public int compareTo(Hop o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        String base = switch (kind) {
            case TX -> "tx." + layer;
            case RX -> "rx." + layer;
            default -> kind.name();
        };
        return scope.isEmpty() ? base : base + "@" + scope;
    }
}
