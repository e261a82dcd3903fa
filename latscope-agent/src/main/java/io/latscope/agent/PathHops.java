package io.latscope.agent;

import io.latscope.Hop;
import io.latscope.Layer;

import java.util.Set;
import java.util.function.IntFunction;

/**
 * Turns a marker's stamps, in time order, into hops: each hop runs from one stamp to the
 * next and is named by where it starts, so the hops of a marker add up exactly to its
 * whole path. A path through several namespaces yields one hop of each kind per
 * namespace (scoped by the namespace's label); a receive point followed by a transmit
 * point in the same namespace is FORWARD (bridging or routing).
 */
final class PathHops {
    private PathHops() {
    }

    /**
     * Hops between consecutive stamps that are adjacent on the path given which points are
     * attached: a gap (a point that should lie between two stamps but is missing) would
     * make a hop that spans several layers under one layer's name, so it is left out.
     * Adds them to {@code out}.
     */
    static void hops(Stamps sorted, boolean[][] adjacency, Names names, MarkerHops out) {
        for (int i = 0; i + 1 < sorted.size(); i++) {
            ProbePoint a = sorted.point(i);
            ProbePoint b = sorted.point(i + 1);
            Hop h = between(a, b);
            if (h != null && adjacency[a.ordinal()][b.ordinal()]) {
                out.add(names.scoped(h, sorted.netns(i)), sorted.nanos(i + 1) - sorted.nanos(i));
            }
        }
    }

    /**
     * Scoped hop names, made once per (hop, namespace) instead of once per marker, and
     * found again without hashing: an open-addressing table from namespace inode (never 0)
     * to a row of hops indexed by kind and layer.
     */
    static final class Names {
        private static final int LAYERS = Layer.values().length + 1; // + no layer
        private static final int ROW = Hop.Kind.values().length * LAYERS;

        private final IntFunction<String> scopeOfNetns;
        private int[] keys = new int[16];
        private Hop[][] rows = new Hop[16][];
        private int size;

        Names(IntFunction<String> scopeOfNetns) {
            this.scopeOfNetns = scopeOfNetns;
        }

        /** {@code h} scoped to the namespace's label; {@code h} is one of the unscoped constants. */
        Hop scoped(Hop h, int netns) {
            Hop[] row = row(netns);
            int k = h.kind().ordinal() * LAYERS + (h.layer() == null ? LAYERS - 1 : h.layer().ordinal());
            Hop s = row[k];
            if (s == null) {
                s = h.in(scopeOfNetns.apply(netns));
                row[k] = s;
            }
            return s;
        }

        /** The two directions named last, newest first: a ping-pong alternates between two. */
        private long lastKey, previousKey;
        private Hop lastEndToEnd, previousEndToEnd;
        private final java.util.Map<Long, Hop> endToEnd = new java.util.HashMap<>();

        /** END_TO_END scoped by its direction: {@code src->dst}, the write's and the read's namespaces. */
        Hop endToEnd(int src, int dst) {
            long key = ((long) src << 32) | (dst & 0xffffffffL);
            if (lastEndToEnd != null && key == lastKey) {
                return lastEndToEnd; // consecutive markers are mostly of one direction
            }
            Hop h;
            if (previousEndToEnd != null && key == previousKey) {
                h = previousEndToEnd; // or of the other one, in turn
            } else {
                h = endToEnd.get(key);
                if (h == null) {
                    h = Hop.END_TO_END.in(scopeOfNetns.apply(src) + "->" + scopeOfNetns.apply(dst));
                    endToEnd.put(key, h);
                }
            }
            previousKey = lastKey;
            previousEndToEnd = lastEndToEnd;
            lastKey = key;
            lastEndToEnd = h;
            return h;
        }

        private Hop[] row(int netns) {
            int mask = keys.length - 1;
            for (int i = mix(netns) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == netns && rows[i] != null) {
                    return rows[i];
                }
                if (rows[i] == null) {
                    if (2 * (size + 1) > keys.length) {
                        grow();
                        return row(netns);
                    }
                    keys[i] = netns;
                    rows[i] = new Hop[ROW];
                    size++;
                    return rows[i];
                }
            }
        }

        private void grow() {
            int[] oldKeys = keys;
            Hop[][] oldRows = rows;
            keys = new int[oldKeys.length * 2];
            rows = new Hop[oldKeys.length * 2][];
            int mask = keys.length - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldRows[j] != null) {
                    int i = mix(oldKeys[j]) & mask;
                    while (rows[i] != null) {
                        i = (i + 1) & mask;
                    }
                    keys[i] = oldKeys[j];
                    rows[i] = oldRows[j];
                }
            }
        }

        private static int mix(int x) {
            return (x * 0x9E3779B9) >>> 16;
        }
    }

    /**
     * END_TO_END, application write to application read, scoped by direction
     * ({@code writer's namespace->reader's}), set in {@code out}; left unset when the stamps do
     * not start at tx.sock and end at rx.app.
     */
    static void endToEnd(Stamps sorted, Names names, MarkerHops out) {
        int last = sorted.size() - 1;
        if (last < 1 || sorted.point(0) != ProbePoint.TX_SOCK || sorted.point(last) != ProbePoint.RX_APP) {
            return;
        }
        out.endToEnd(names.endToEnd(sorted.netns(0), sorted.netns(last)), sorted.nanos(last) - sorted.nanos(0));
    }

    /** {@link #adjacent} for every pair of points, indexed by ordinal. */
    static boolean[][] adjacency(Set<ProbePoint> attached) {
        ProbePoint[] all = ProbePoint.values();
        boolean[][] t = new boolean[all.length][all.length];
        for (ProbePoint a : all) {
            for (ProbePoint b : all) {
                t[a.ordinal()][b.ordinal()] = adjacent(a, b, attached);
            }
        }
        return t;
    }

    /** True when {@code b} directly follows {@code a} on a path through the attached points. */
    static boolean adjacent(ProbePoint a, ProbePoint b, Set<ProbePoint> attached) {
        if ((a == ProbePoint.RX_DEV || a == ProbePoint.RX_IP) && b.isTx()) {
            return true; // forwarded or bridged in this namespace
        }
        if (a == ProbePoint.TX_XMIT && b == ProbePoint.RX_DEV) {
            return true;
        }
        if (b.ordinal() <= a.ordinal()) {
            return false;
        }
        for (int o = a.ordinal() + 1; o < b.ordinal(); o++) {
            if (attached.contains(ProbePoint.of(o))) {
                return false;
            }
        }
        return true;
    }

    static Hop between(ProbePoint a, ProbePoint b) {
        return switch (a) {
            case RX_DEV, RX_IP -> b.isTx() ? Hop.FORWARD : a.startsHop();
            case RX_APP -> null;
            default -> a.startsHop();
        };
    }
}
