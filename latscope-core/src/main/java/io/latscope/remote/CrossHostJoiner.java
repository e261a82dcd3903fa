package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.MarkerPath;
import io.latscope.agent.HopRecorders;
import io.latscope.agent.ProbePoint;
import io.latscope.store.MarkerRecord;
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
 * of both parts plus NETWORK add up to END_TO_END. Parts that find no partner within the
 * timeout (the peer is outside the session) are counted, not recorded.
 */
final class CrossHostJoiner {
    /** Maps a host's timestamp to the reference clock. */
    interface Clocks {
        long toReference(String host, long nanos);
    }

    private record Key(FlowKey flow, long sequence) {
    }

    private record Part(String host, MarkerPart part, long arrivedNanos) {
    }

    private final Map<Key, Part> pending = new LinkedHashMap<>();
    private final Map<String, Map<String, Hop>> netHops = new HashMap<>();
    private final Clocks clocks;
    private final HopRecorders recorders;
    private final boolean includeRetransmissions;
    private final long timeoutNanos;
    private final Consumer<MarkerPath> listener;
    private long joined;
    private long unjoined;
    private long parts;
    private long retransmitted;

    CrossHostJoiner(Clocks clocks, HopRecorders recorders, boolean includeRetransmissions, long timeoutNanos,
                    Consumer<MarkerPath> listener) {
        this.clocks = clocks;
        this.recorders = recorders;
        this.includeRetransmissions = includeRetransmissions;
        this.timeoutNanos = timeoutNanos;
        this.listener = listener;
    }

    synchronized void add(String host, MarkerPart p, long nowNanos) {
        parts++;
        Key k = new Key(p.flow(), p.sequence());
        Part other = pending.get(k);
        if (other == null || other.part().isSending() == p.isSending()) {
            if (other == null) {
                pending.put(k, new Part(host, p, nowNanos));
            }
            return;
        }
        pending.remove(k);
        Part tx = p.isSending() ? new Part(host, p, nowNanos) : other;
        Part rx = p.isSending() ? other : new Part(host, p, nowNanos);
        join(tx, rx);
    }

    private void join(Part tx, Part rx) {
        joined++;
        boolean retrans = tx.part().retransmitted() || rx.part().retransmitted();
        if (retrans) {
            retransmitted++;
        }
        long txLast = clocks.toReference(tx.host(), tx.part().lastNanos());
        long rxFirst = clocks.toReference(rx.host(), rx.part().firstNanos());
        long network = rxFirst - txLast;
        boolean e2eKnown = tx.part().firstPoint() == ProbePoint.TX_SOCK && rx.part().lastPoint() == ProbePoint.RX_APP;
        long e2e = e2eKnown ? clocks.toReference(rx.host(), rx.part().lastNanos())
                - clocks.toReference(tx.host(), tx.part().firstNanos()) : -1;
        // one Hop object per host pair: the recorders find its histograms by identity
        Hop net = netHops.computeIfAbsent(tx.host(), t -> new HashMap<>())
                .computeIfAbsent(rx.host(), r -> Hop.NETWORK.in(tx.host() + ">" + r));
        FlowKey flow = tx.part().flow();
        if (!retrans || includeRetransmissions) {
            recorders.recordMarker(flow, List.of(new MarkerPath.HopSample(net, network)), e2e);
        }
        if (listener != null) {
            listener.accept(path(tx, rx, net, network, e2e, retrans));
        }
    }

    /** The whole path on the reference clock: the sender's hops, NETWORK, the receiver's hops. */
    private MarkerPath path(Part tx, Part rx, Hop net, long network, long e2e, boolean retrans) {
        List<MarkerRecord.Stamp> stamps = new ArrayList<>();
        List<MarkerPath.HopSample> hops = new ArrayList<>();
        for (Part side : List.of(tx, rx)) {
            MarkerPart p = side.part();
            long prev = 0;
            for (int i = 0; i < p.points().size(); i++) {
                long t = clocks.toReference(side.host(), p.nanos()[i]);
                stamps.add(new MarkerRecord.Stamp(p.points().get(i).label(), side.host(), t));
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

    /** Counts parts older than the timeout as unjoined and forgets them. */
    synchronized void expire(long nowNanos) {
        Iterator<Part> it = pending.values().iterator();
        while (it.hasNext()) {
            Part p = it.next();
            if (nowNanos - p.arrivedNanos() <= timeoutNanos) {
                break;
            }
            it.remove();
            unjoined++;
        }
    }

    synchronized void expireAll() {
        unjoined += pending.size();
        pending.clear();
    }

    /** Joined markers, parts left unjoined, parts received, joined markers retransmitted. */
    record Stats(long joined, long unjoined, long parts, long retransmitted) {
    }

    synchronized Stats stats() {
        return new Stats(joined, unjoined, parts, retransmitted);
    }
}
