package io.latscope.agent;

import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.MarkerPath;
import io.latscope.store.MarkerRecord;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import java.util.function.IntFunction;

/**
 * Joins probe events into marker paths. Identity is (flow direction, marker sequence
 * number): every probe reports a byte range, and each marker byte in it gets the event's
 * timestamp. A marker is finished when the application read it (the last point), or
 * when it is older than the timeout; finished markers go to the sink with their hops.
 * Single-threaded: call from the draining thread only; counters may be read anywhere.
 */
public final class MarkerJoiner {
    static final int EVENT_SIZE = 64;

    private final int strideShift;
    private final long timeoutNanos;
    private final Set<ProbePoint> expected;
    private final boolean[][] adjacency;
    private final int expectedMask;
    private final Sink sink;
    private final IntFunction<String> scopeOfNetns;
    private final Map<Tuple, FlowState> flows = new HashMap<>();
    private FlowState lastFlow;
    private final PathHops.Names hopNames;

    private final AtomicLongArray perPoint = new AtomicLongArray(ProbePoint.values().length);
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong incomplete = new AtomicLong();
    private final AtomicLong retransmitted = new AtomicLong();
    private final AtomicLongArray missing = new AtomicLongArray(ProbePoint.values().length);

    /** Receives every finished marker: its hops and END_TO_END, and its whole path on demand. */
    public interface Sink {
        void marker(FlowKey flow, List<MarkerPath.HopSample> hops, long endToEndNanos, boolean retransmitted,
                    Supplier<MarkerPath> path);
    }

    public MarkerJoiner(int strideShift, long timeoutNanos, Set<ProbePoint> expected, IntFunction<String> scopeOfNetns,
                        Sink sink) {
        this.strideShift = strideShift;
        this.timeoutNanos = timeoutNanos;
        this.expected = Set.copyOf(expected);
        this.adjacency = PathHops.adjacency(this.expected);
        int mask = 0;
        for (ProbePoint p : this.expected) {
            mask |= 1 << p.ordinal();
        }
        this.expectedMask = mask;
        this.scopeOfNetns = scopeOfNetns;
        this.hopNames = new PathHops.Names(scopeOfNetns);
        this.sink = sink;
    }

    /** Raw address/port tuple of an event, as the key of its flow. */
    private record Tuple(long s0, long s1, long d0, long d1, int ports) {
    }

    private static final class FlowState {
        final Tuple tuple;
        final FlowKey key;
        final LinkedHashMap<Integer, Marker> pending = new LinkedHashMap<>();
        long lastNanos;

        FlowState(Tuple tuple, FlowKey key) {
            this.tuple = tuple;
            this.key = key;
        }
    }

    private static final class Marker {
        final int seq;
        final long firstNanos;
        final List<Stamp> stamps = new ArrayList<>(12);
        boolean retrans;

        Marker(int seq, long firstNanos) {
            this.seq = seq;
            this.firstNanos = firstNanos;
        }
    }

    /** Handles one 64-byte ls_event at {@code off} in {@code seg}. */
    public void onEvent(MemorySegment seg, long off) {
        bump(events);
        long ts = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
        int sport = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 40));
        int dport = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 42));
        int seq = seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 44);
        int len = seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 48);
        int netns = seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 52);
        int ifindex = seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 56);
        int pointId = seg.get(ValueLayout.JAVA_BYTE, off + 60);
        int flags = seg.get(ValueLayout.JAVA_BYTE, off + 61);
        if (pointId < 0 || pointId >= ProbePoint.values().length) {
            return;
        }
        ProbePoint point = ProbePoint.of(pointId);
        long s0 = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 8);
        long s1 = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 16);
        long d0 = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 24);
        long d1 = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 32);
        int ports = (sport << 16) | dport;
        FlowState flow = lastFlow;
        // consecutive events are mostly of one flow: compare before hashing a key
        if (flow == null || flow.tuple.ports() != ports || flow.tuple.s0() != s0 || flow.tuple.s1() != s1
                || flow.tuple.d0() != d0 || flow.tuple.d1() != d1) {
            Tuple t = new Tuple(s0, s1, d0, d1, ports);
            flow = flows.get(t);
            if (flow == null) {
                flow = new FlowState(t, flowKey(seg, off, (flags & 1) != 0, sport, dport));
                flows.put(t, flow);
            }
            lastFlow = flow;
        }
        flow.lastNanos = ts;
        int stride = 1 << strideShift;
        int mask = stride - 1;
        int first = (seq + mask) & ~mask;
        // Every marker byte in [seq, seq+len); unsigned arithmetic handles wrap-around.
        for (long d = Integer.toUnsignedLong(first - seq); d < Integer.toUnsignedLong(len); d += stride) {
            int m = seq + (int) d;
            onMarker(flow, m, new Stamp(point, netns, ifindex, ts, flags));
        }
    }

    private void onMarker(FlowState flow, int m, Stamp s) {
        Marker mk = flow.pending.get(m);
        if (mk != null && s.nanos() - mk.firstNanos > timeoutNanos) {
            // the sequence space wrapped around: the old marker is long gone
            finish(flow, mk);
            mk = null;
        }
        if (mk == null) {
            mk = new Marker(m, s.nanos());
            flow.pending.put(m, mk);
        }
        if ((s.flags() & 2) != 0) {
            mk.retrans = true;
        }
        int same = -1;
        for (int i = 0; i < mk.stamps.size(); i++) {
            Stamp o = mk.stamps.get(i);
            if (o.point() == s.point() && o.netns() == s.netns() && o.ifindex() == s.ifindex()) {
                same = i;
                break;
            }
        }
        if (same >= 0 && s.point() == ProbePoint.TX_SOCK) {
            // a byte belongs to the last copy-loop pass that started at or before it; the
            // passes' ranges overlap, so this is the same sighting, not another
            mk.stamps.set(same, s);
        } else {
            bump(perPoint, s.point().ordinal());
            if (same >= 0) {
                mk.retrans = true; // seen twice at one point: sent or received again
            } else {
                mk.stamps.add(s);
            }
        }
        if (s.point() == ProbePoint.RX_APP) {
            finish(flow, mk);
        }
    }

    /** Finishes markers older than the timeout, and forgets idle flows. */
    public void expire(long nowNanos) {
        Iterator<FlowState> fi = flows.values().iterator();
        while (fi.hasNext()) {
            FlowState f = fi.next();
            Iterator<Marker> mi = f.pending.values().iterator();
            List<Marker> old = new ArrayList<>();
            while (mi.hasNext()) {
                Marker m = mi.next();
                if (nowNanos - m.firstNanos <= timeoutNanos) {
                    break; // insertion order: the rest are younger
                }
                old.add(m);
            }
            for (Marker m : old) {
                finish(f, m);
            }
            if (f.pending.isEmpty() && nowNanos - f.lastNanos > 60 * timeoutNanos) {
                fi.remove();
                if (f == lastFlow) {
                    lastFlow = null;
                }
            }
        }
    }

    /** Finishes every pending marker (at session end). */
    public void finishAll() {
        for (FlowState f : flows.values()) {
            for (Marker m : new ArrayList<>(f.pending.values())) {
                finish(f, m);
            }
        }
    }

    public int pendingMarkers() {
        int n = 0;
        for (FlowState f : flows.values()) {
            n += f.pending.size();
        }
        return n;
    }

    private void finish(FlowState flow, Marker mk) {
        flow.pending.remove(mk.seq);
        List<Stamp> sorted = mk.stamps; // the marker is done: its list is sorted in place
        sortByTime(sorted);
        int seen = 0;
        for (int i = 0; i < sorted.size(); i++) {
            seen |= 1 << sorted.get(i).point().ordinal();
        }
        int absent = expectedMask & ~seen;
        boolean complete = absent == 0;
        for (int p = 0; absent != 0; p++, absent >>>= 1) {
            if ((absent & 1) != 0) {
                bump(missing, p);
            }
        }
        bump(complete ? matched : incomplete);
        if (mk.retrans) {
            bump(retransmitted);
        }
        List<MarkerPath.HopSample> hops = PathHops.hops(sorted, adjacency, hopNames);
        long e2e = PathHops.endToEnd(sorted);
        boolean done = complete;
        sink.marker(flow.key, hops, e2e, mk.retrans, () -> {
            List<MarkerRecord.Stamp> rs = new ArrayList<>(sorted.size());
            for (Stamp s : sorted) {
                rs.add(new MarkerRecord.Stamp(s.point().label(), scopeOfNetns.apply(s.netns()), s.nanos()));
            }
            return new MarkerPath(new MarkerRecord(flow.key, Integer.toUnsignedLong(mk.seq), mk.retrans, rs), hops, e2e, done);
        });
    }

    /** Insertion sort by time, stable: a dozen stamps that mostly arrive in order already. */
    private static void sortByTime(List<Stamp> stamps) {
        for (int i = 1; i < stamps.size(); i++) {
            Stamp s = stamps.get(i);
            int j = i - 1;
            while (j >= 0 && stamps.get(j).nanos() > s.nanos()) {
                stamps.set(j + 1, stamps.get(j));
                j--;
            }
            stamps.set(j + 1, s);
        }
    }

    /**
     * One more, from the only thread that writes the counters: a plain increment published
     * with release order, not an atomic read-modify-write (readers on other threads still
     * see every count, in order).
     */
    private static void bump(AtomicLong counter) {
        counter.lazySet(counter.get() + 1);
    }

    /** {@link #bump(AtomicLong)} for one element of a counter array. */
    private static void bump(AtomicLongArray counters, int i) {
        counters.lazySet(i, counters.get(i) + 1);
    }

    /** Counters so far (ring-buffer drops are the caller's to add). */
    public Counters counters(long ringDrops) {
        Map<String, Long> pp = new LinkedHashMap<>();
        for (ProbePoint p : ProbePoint.values()) {
            long n = perPoint.get(p.ordinal());
            if (n > 0 || expected.contains(p)) {
                pp.put(p.label(), n);
            }
        }
        return new Counters(pp, matched.get(), incomplete.get(), retransmitted.get(), ringDrops, events.get());
    }

    /** How often each expected point was missing from a finished marker. */
    public Map<ProbePoint, Long> missingPerPoint() {
        Map<ProbePoint, Long> out = new LinkedHashMap<>();
        for (ProbePoint p : ProbePoint.values()) {
            if (missing.get(p.ordinal()) > 0) {
                out.put(p, missing.get(p.ordinal()));
            }
        }
        return out;
    }

    /** The flow of any ls_event-headed record. */
    static FlowKey flowKeyOf(MemorySegment seg, long off) {
        int sport = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 40));
        int dport = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 42));
        return flowKey(seg, off, (seg.get(ValueLayout.JAVA_BYTE, off + 61) & 1) != 0, sport, dport);
    }

    private static FlowKey flowKey(MemorySegment seg, long off, boolean v6, int sport, int dport) {
        return new FlowKey(address(seg, off + 8, v6), sport, address(seg, off + 24, v6), dport);
    }

    private static InetAddress address(MemorySegment seg, long off, boolean v6) {
        byte[] b = seg.asSlice(off, v6 ? 16 : 4).toArray(ValueLayout.JAVA_BYTE);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

}
