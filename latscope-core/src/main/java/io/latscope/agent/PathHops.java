package io.latscope.agent;

import io.latscope.Hop;
import io.latscope.MarkerPath.HopSample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
     */
    static List<HopSample> hops(List<Stamp> sorted, Set<ProbePoint> attached, Names names) {
        List<HopSample> out = new ArrayList<>(sorted.size());
        for (int i = 0; i + 1 < sorted.size(); i++) {
            Stamp a = sorted.get(i);
            Stamp b = sorted.get(i + 1);
            Hop h = between(a.point(), b.point());
            if (h != null && adjacent(a.point(), b.point(), attached)) {
                out.add(new HopSample(names.scoped(h, a.netns()), b.nanos() - a.nanos()));
            }
        }
        return out;
    }

    /** Scoped hop names, made once per (hop, namespace) instead of once per marker. */
    static final class Names {
        private final IntFunction<String> scopeOfNetns;
        private final Map<Hop, Map<Integer, Hop>> cache = new HashMap<>();

        Names(IntFunction<String> scopeOfNetns) {
            this.scopeOfNetns = scopeOfNetns;
        }

        Hop scoped(Hop h, int netns) {
            return cache.computeIfAbsent(h, k -> new HashMap<>()).computeIfAbsent(netns, n -> h.in(scopeOfNetns.apply(n)));
        }
    }

    /** END_TO_END: application write to application read, or -1 when either is missing. */
    static long endToEnd(List<Stamp> sorted) {
        if (sorted.size() < 2) {
            return -1;
        }
        Stamp first = sorted.getFirst();
        Stamp last = sorted.getLast();
        return first.point() == ProbePoint.TX_SOCK && last.point() == ProbePoint.RX_APP ? last.nanos() - first.nanos() : -1;
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
