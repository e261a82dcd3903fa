package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.MarkerPath;
import io.latscope.agent.HopRecorders;
import io.latscope.agent.ProbePoint;
import io.latscope.MarkerRecord;
import io.latscope.transport.MarkerPart;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Joins the sending host's and the receiving host's parts of each marker (same flow, same
 * sequence number) once both are in, after mapping every stamp to the reference clock:
 * NETWORK = receiver's first point − sender's last (device transmit → device receive),
 * END_TO_END = receiver's application read − sender's application write. The in-host hops
 * of both parts plus NETWORK add up to END_TO_END. Between a virtual machine and the host
 * it runs on ({@link io.latscope.Host.Ssh#vmOf}) the same stretch is the virtual NIC and is
 * named VIRT instead of NETWORK. Parts that find no partner within the
 * timeout (the peer is outside the session) are counted, not recorded.
 */
final class CrossHostJoiner {
    /** Maps a host's timestamp to the reference clock. */
    interface Clocks {
        long toReference(String host, long nanos);

        /** How far {@link #toReference} may be off for that stamp (the clock model's bound); 0 when exact. */
        default long errorNanos(String host, long nanos) {
            return 0;
        }
    }

    private record Key(FlowKey flow, long sequence) {
    }

    private record Part(String host, MarkerPart part, long arrivedNanos) {
    }

    /**
     * Halves waiting for their other half, by flow and 32-bit sequence number: usually one,
     * more when a flow faster than 4 GiB per timeout sends the same sequence number again
     * before an unjoined half expired (the hosts' reports may lag each other by up to the
     * timeout, so no extension of the sequence number could tell those bytes apart).
     */
    private final Map<Key, List<Part>> pending = new LinkedHashMap<>();
    private final Map<String, Map<String, Hop>> netHops = new HashMap<>();
    private final Map<String, Map<String, Hop>> e2eHops = new HashMap<>();
    private final Clocks clocks;
    private final HopRecorders recorders;
    private final boolean includeRetransmissions;
    private final long timeoutNanos;
    private final io.latscope.SessionListener listener;
    private long joined;
    private long unjoined;
    private long parts;
    private long retransmitted;
    /** Each host's arm time (its clock), from its hello. */
    private final Map<String, Long> armedNanos = new HashMap<>();
    private long beforeArm;
    /** Halves that met but lack the write or the read: incomplete markers, in no histogram. */
    private long partial;
    private ProbePoint firstTx = ProbePoint.TX_SOCK;
    private ProbePoint lastRx = ProbePoint.RX_APP;
    /** VM host label → the label of the host it runs on. */
    private Map<String, String> vmParents = Map.of();

    CrossHostJoiner(Clocks clocks, HopRecorders recorders, boolean includeRetransmissions, long timeoutNanos,
                    io.latscope.SessionListener listener) {
        this.clocks = clocks;
        this.recorders = recorders;
        this.includeRetransmissions = includeRetransmissions;
        this.timeoutNanos = timeoutNanos;
        this.listener = listener;
    }

    /**
     * The session's first and last points (by its layers): a joined marker is complete when
     * its sending half starts at the first and its receiving half ends at the last.
     */
    CrossHostJoiner ends(java.util.Set<io.latscope.Layer> layers) {
        java.util.Set<ProbePoint> points = ProbePoint.forLayers(layers);
        ProbePoint first = ProbePoint.first(points);
        ProbePoint last = ProbePoint.last(points);
        if (first != null && first.isTx() && !last.isTx()) {
            firstTx = first;
            lastRx = last;
        }
        return this;
    }

    /**
     * Which hosts are virtual machines of which: the stretch between a VM and its host is
     * VIRT, between any other two hosts NETWORK.
     *
     * @param parents VM label → the label of the host it runs on
     */
    CrossHostJoiner vms(Map<String, String> parents) {
        this.vmParents = Map.copyOf(parents);
        return this;
    }

    /** The kind of the stretch between two hosts' devices. */
    private Hop wire(String from, String to) {
        return to.equals(vmParents.get(from)) || from.equals(vmParents.get(to)) ? Hop.VIRT : Hop.NETWORK;
    }

    synchronized void add(String host, MarkerPart p, long nowNanos) {
        parts++;
        Key k = new Key(p.flow(), p.sequence());
        Part half = new Part(host, p, nowNanos);
        List<Part> waiting = pending.get(k);
        Part other = waiting == null ? null : partner(waiting, half);
        if (other == null) {
            pending.computeIfAbsent(k, x -> new ArrayList<>(1)).add(half);
            return;
        }
        waiting.remove(other);
        if (waiting.isEmpty()) {
            pending.remove(k);
        }
        join(p.isSending() ? half : other, p.isSending() ? other : half);
    }

    /**
     * Among the waiting halves of the other side, the one whose stamps fit this half: the
     * receiver's first point no earlier than the sender's last by more than the two hosts'
     * clock bounds and {@link #EARLY_SLACK_NANOS}, and at most a marker timeout after it, and of
     * those the closest. A half of the
     * byte sent 4 GiB earlier or later is a whole wrap of the sequence space away; the byte's
     * own other half is a network crossing away. (A receiver's half that comes before its
     * sender's may still meet the sender's half of the byte 4 GiB earlier, if that one waits
     * unjoined and is younger than the timeout.)
     */
    private Part partner(List<Part> waiting, Part half) {
        Part best = null;
        long bestGap = Long.MAX_VALUE;
        for (Part w : waiting) {
            if (w.part().isSending() == half.part().isSending()) {
                continue;
            }
            Part tx = half.part().isSending() ? half : w;
            Part rx = half.part().isSending() ? w : half;
            long gap;
            try {
                long network = clocks.toReference(rx.host(), rx.part().firstNanos())
                        - clocks.toReference(tx.host(), tx.part().lastNanos());
                long slack = EARLY_SLACK_NANOS + clocks.errorNanos(rx.host(), rx.part().firstNanos())
                        + clocks.errorNanos(tx.host(), tx.part().lastNanos());
                if (network < -slack || network > timeoutNanos) {
                    continue;
                }
                gap = Math.abs(network);
            } catch (RuntimeException e) {
                gap = Long.MAX_VALUE - 1; // no clock model yet: any will do
            }
            if (gap < bestGap) {
                bestGap = gap;
                best = w;
            }
        }
        return best;
    }

    /** How much earlier than the sender's last stamp a receiver's first may be beyond the clocks' bounds. */
    static final long EARLY_SLACK_NANOS = 1_000_000;

    private void join(Part tx, Part rx) {
        boolean retrans = tx.part().retransmitted() || rx.part().retransmitted();
        long txLast = clocks.toReference(tx.host(), tx.part().lastNanos());
        long rxFirst = clocks.toReference(rx.host(), rx.part().firstNanos());
        long network = rxFirst - txLast;
        // one Hop object per host pair: the recorders find its histograms by identity
        Hop net = netHops.computeIfAbsent(tx.host(), t -> new HashMap<>())
                .computeIfAbsent(rx.host(), r -> wire(tx.host(), r).in(tx.host() + "->" + r));
        boolean e2eKnown = tx.part().firstPoint() == firstTx && rx.part().lastPoint() == lastRx;
        if (!e2eKnown) {
            // the halves met but do not span the write to the read (a point missing at an end):
            // an incomplete marker, as on one host, in no histogram, so every hop counts the same
            // markers; unless it was on its way while the hosts attached their probes (as on one host)
            long lastArm = lastArmReference();
            long first = clocks.toReference(tx.host(), tx.part().firstNanos());
            if (lastArm != Long.MIN_VALUE && (first < lastArm
                    || (tx.part().firstPoint() != firstTx && first - lastArm <= timeoutNanos))) {
                beforeArm++;
                return;
            }
            partial++;
            if (listener.wantsMarkers()) {
                listener.onMarker(path(tx, rx, net, network, -1, retrans));
            }
            return;
        }
        joined++;
        if (retrans) {
            retransmitted++;
        }
        long e2e = clocks.toReference(rx.host(), rx.part().lastNanos()) - clocks.toReference(tx.host(), tx.part().firstNanos());
        // END_TO_END by direction, as on one host: sender's host -> receiver's host
        MarkerPath.HopSample endToEnd = new MarkerPath.HopSample(e2eHops.computeIfAbsent(tx.host(),
                t -> new HashMap<>()).computeIfAbsent(rx.host(), r -> Hop.END_TO_END.in(tx.host() + "->" + r)), e2e);
        FlowKey flow = tx.part().flow();
        if (!retrans || includeRetransmissions) {
            recorders.recordMarker(flow, List.of(new MarkerPath.HopSample(net, network)), endToEnd);
        }
        if (listener.wantsMarkers()) {
            listener.onMarker(path(tx, rx, net, network, e2e, retrans));
        }
    }

    /** The whole path on the reference clock: the sender's hops, NETWORK (or VIRT), the receiver's hops. */
    private MarkerPath path(Part tx, Part rx, Hop net, long network, long e2e, boolean retrans) {
        List<MarkerRecord.Stamp> stamps = new ArrayList<>();
        List<MarkerPath.HopSample> hops = new ArrayList<>();
        for (Part side : List.of(tx, rx)) {
            MarkerPart p = side.part();
            long prev = 0;
            for (int i = 0; i < p.points().size(); i++) {
                long t = clocks.toReference(side.host(), p.nanos()[i]);
                stamps.add(new MarkerRecord.Stamp(p.points().get(i).point(), side.host(), t));
                if (i > 0) {
                    hops.add(new MarkerPath.HopSample(p.points().get(i - 1).startsHop().in(side.host()), t - prev));
                }
                prev = t;
            }
            if (side == tx) {
                hops.add(new MarkerPath.HopSample(net, network));
            }
        }
        MarkerRecord rec = new MarkerRecord(tx.part().flow(), tx.part().sequence(), retrans, stamps);
        return new MarkerPath(rec, hops, e2e, e2e >= 0);
    }

    /**
     * A host's agent attached its last probe at {@code hostNanos} (its clock): a half stamped
     * around the time the last host was armed may have no other half because the other host's
     * probes were not there yet.
     */
    synchronized void armed(String host, long hostNanos) {
        armedNanos.put(host, hostNanos);
    }

    /** Counts parts older than the timeout as unjoined and forgets them. */
    synchronized void expire(long nowNanos) {
        Iterator<List<Part>> it = pending.values().iterator();
        long lastArm = lastArmReference(); // once per expiry, not per half
        while (it.hasNext()) {
            List<Part> waiting = it.next();
            waiting.removeIf(p -> {
                if (nowNanos - p.arrivedNanos() <= timeoutNanos) {
                    return false;
                }
                leftAlone(p, lastArm);
                return true;
            });
            if (waiting.isEmpty()) {
                it.remove();
            }
        }
    }

    synchronized void expireAll() {
        long lastArm = lastArmReference();
        pending.values().forEach(w -> w.forEach(p -> leftAlone(p, lastArm)));
        pending.clear();
    }

    /**
     * When the last host was armed, on the reference clock; {@code Long.MIN_VALUE} when that
     * is unknown (no hello said, or a host has no clock model yet).
     */
    private long lastArmReference() {
        long lastArm = Long.MIN_VALUE;
        try {
            for (Map.Entry<String, Long> e : armedNanos.entrySet()) {
                lastArm = Math.max(lastArm, clocks.toReference(e.getKey(), e.getValue()));
            }
            return lastArm;
        } catch (RuntimeException e) {
            return Long.MIN_VALUE; // no clock model for a host (yet): halves count as unjoined
        }
    }

    /**
     * A half that met no other half: unjoined, unless it was in flight while the hosts' probes
     * were attached, as on one host ({@link io.latscope.agent.MarkerJoiner}): a sending half
     * stamped before the last host was armed (its receiver may not have been), or a receiving
     * half (it lacks the marker's first point by design) stamped within one marker timeout after.
     */
    private void leftAlone(Part p, long lastArm) {
        if (lastArm != Long.MIN_VALUE) {
            try {
                long first = clocks.toReference(p.host(), p.part().firstNanos());
                if (p.part().isSending() ? first < lastArm : first - lastArm <= timeoutNanos) {
                    beforeArm++;
                    return;
                }
            } catch (RuntimeException e) {
                // no clock model for its host (yet): the half is counted as unjoined
            }
        }
        unjoined++;
    }

    /**
     * Joined markers, parts left unjoined, parts received, joined markers retransmitted, and
     * parts in flight while the hosts' probes were attached (neither joined nor unjoined).
     */
    record Stats(long joined, long unjoined, long parts, long retransmitted, long beforeArm, long partial) {
    }

    synchronized Stats stats() {
        return new Stats(joined, unjoined, parts, retransmitted, beforeArm, partial);
    }
}
