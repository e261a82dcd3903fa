package io.latscope;

import io.latscope.error.ConfigurationException;

import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;

/**
 * A stretch of a byte's path whose duration LatScope measures: the time between two
 * consecutive probe points. Written {@code tx.TCP}, {@code rx.SOCKET}, {@code VETH},
 * {@code NETWORK}, {@code END_TO_END}; a hop may be scoped to a host or network namespace,
 * written {@code tx.DEV@ns1} (a path through several namespaces has one of each hop per
 * namespace).
 */
public record Hop(Kind kind, Layer layer, String scope) implements Comparable<Hop> {

    public enum Kind {
        /** Sender side: from entering {@code layer} to entering the next lower one. */
        TX,
        /** Veth pair: transmit on one end to receive on the peer. */
        VETH,
        /** Bridging or forwarding inside an intermediate namespace: receive to transmit. */
        FORWARD,
        /** Across hosts: sender's device transmit to receiver's device receive (clock-corrected). */
        NETWORK,
        /** Receiver side: from entering {@code layer} to entering the next upper one. */
        RX,
        /** Application write to application read. */
        END_TO_END
    }

    public static final Hop TX_SOCKET = tx(Layer.SOCKET);
    public static final Hop TX_TCP = tx(Layer.TCP);
    public static final Hop TX_IP = tx(Layer.IP);
    public static final Hop TX_DEV = tx(Layer.DEV);
    public static final Hop VETH = new Hop(Kind.VETH, null, "");
    public static final Hop FORWARD = new Hop(Kind.FORWARD, null, "");
    public static final Hop NETWORK = new Hop(Kind.NETWORK, null, "");
    public static final Hop RX_DEV = rx(Layer.DEV);
    public static final Hop RX_IP = rx(Layer.IP);
    public static final Hop RX_TCP = rx(Layer.TCP);
    public static final Hop RX_SOCKET = rx(Layer.SOCKET);
    public static final Hop END_TO_END = new Hop(Kind.END_TO_END, null, "");

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

    public static Hop tx(Layer layer) {
        return new Hop(Kind.TX, layer, "");
    }

    public static Hop rx(Layer layer) {
        return new Hop(Kind.RX, layer, "");
    }

    /** The same hop scoped to a host or namespace label. */
    public Hop in(String scopeLabel) {
        return new Hop(kind, layer, scopeLabel);
    }

    /** The same hop without scope. */
    public Hop unscoped() {
        return scope.isEmpty() ? this : new Hop(kind, layer, "");
    }

    public boolean isScoped() {
        return !scope.isEmpty();
    }

    /** Parses {@code tx.DEV}, {@code rx.socket}, {@code VETH}, {@code END_TO_END}, {@code tx.DEV@ns1}. */
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
        return "tx.SOCKET, tx.TCP, tx.IP, tx.DEV, VETH, FORWARD, NETWORK, rx.DEV, rx.IP, rx.TCP, rx.SOCKET, END_TO_END"
                + " (optionally @scope)";
    }

    /** Path order: tx hops top-down, the wire, rx hops bottom-up, then END_TO_END. */
    private int order() {
        return switch (kind) {
            case TX -> layer.ordinal();
            case VETH -> 10;
            case FORWARD -> 11;
            case NETWORK -> 12;
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
