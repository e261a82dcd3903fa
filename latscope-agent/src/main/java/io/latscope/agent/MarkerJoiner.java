package io.latscope.agent;

import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.MarkerPath;
import io.latscope.MarkerRecord;

import java.lang.foreign.MemorySegment;
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
 * Joins probe events into marker paths. Identity is (flow direction, marker byte's position
 * on the flow's byte line: its TCP sequence number extended past each wrap of the 32-bit
 * space): every probe reports a byte range, and each marker byte in it gets the event's
 * timestamp. A marker is finished when the application read it (the last point), or
 * when it is older than the timeout; finished markers go to the sink with their hops.
 *
 * <p>Finished markers are held until {@link #endBatch(long, long)}, which the drainer calls after
 * each batch with the ring buffer's drop count: when the kernel dropped events since the
 * previous batch, every marker in flight may have lost one, so those held and those still
 * pending are left out as "ring overflow" rather than reported as matched; so is every
 * incomplete marker that finishes within a marker timeout of a drop. Every marker that is
 * not matched is counted under exactly one reason (see {@link Counters}).
 * Single-threaded: call from the draining thread only; counters may be read anywhere.
 */
public final class MarkerJoiner {
    /** ls_event flag: a netfilter stamp taken while the kernel skips tracing programs (PID 1's context). */
    static final int FLAG_TRACING_SKIPPED = io.latscope.agent.layout.ProbesH.LS_F_TRACING_SKIPPED();

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
    private final AtomicLong expired = new AtomicLong();
    /** The newest stamp time handled (draining thread only). */
    private long latestNanos;
    private final AtomicLong overflow = new AtomicLong();
    private final AtomicLong unobservable = new AtomicLong();
    /** Sightings of bytes already read (retransmitted copies), ignored. */
    private final AtomicLong lateCopies = new AtomicLong();
    /** Markers seen and not finished (a gauge; written by the draining thread only). */
    private final AtomicLong pending = new AtomicLong();
    /** Markers left out for points they lacked, by that set of points (bit mask of ordinals). */
    private final java.util.concurrent.ConcurrentHashMap<Integer, AtomicLong> missingSets =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Finished markers held until the batch's drop check. */
    private final List<Marker> held = new ArrayList<>();
    /** Reported markers, reused for new ones (their stamp arrays with them). */
    private final java.util.ArrayDeque<Marker> spare = new java.util.ArrayDeque<>();
    /** Markers kept in {@link #spare} at most. */
    private static final int SPARE = 1024;
    /** The hops handed to the sink, refilled for every marker. */
    private final MarkerHops hopsOut = new MarkerHops();
    private long dropsSeen;
    /**
     * When the last probe was attached (CLOCK_MONOTONIC): a marker in flight then passed some
     * points before their probes were there, so it is not counted as expired or missing a point.
     */
    private final long armNanos;
    /** The lowest-ordinal expected point: the first a marker passes on its way. */
    private final int firstPointMask;
    /** Markers in flight while the probes were being attached, left out and not counted. */
    private final AtomicLong beforeArm = new AtomicLong();
    private java.util.function.Predicate<FlowKey> flowFilter = f -> true;
    /** Advances at every batch that saw new ring-buffer drops. */
    private long dropEpoch;
    private long lastDropCheckNanos = Long.MIN_VALUE / 2;
    private boolean dropsSinceStart;

    /**
     * Receives every finished marker: its hops and END_TO_END (scoped by direction; none when
     * the marker is not complete or lacks either application end), whether it is complete,
     * and its whole path on demand.
     * {@code hops} and {@code path} are valid during the call only: the joiner reuses what
     * lies behind them for the next marker ({@link MarkerHops#list()} and the path's
     * {@link MarkerPath} are copies that may be kept).
     */
    public interface Sink {
        void marker(FlowKey flow, MarkerHops hops, boolean complete, boolean retransmitted, Supplier<MarkerPath> path);
    }

    public MarkerJoiner(int strideShift, long timeoutNanos, Set<ProbePoint> expected, IntFunction<String> scopeOfNetns,
                        Sink sink) {
        this(strideShift, timeoutNanos, expected, scopeOfNetns, sink, Long.MIN_VALUE / 2);
    }

    /**
     * A joiner for probes that were all attached by {@code armNanos}: an incomplete marker first
     * seen before then, or one lacking its first point and first seen within a marker timeout
     * after it, was in flight while the probes were attached one by one; it is left out without
     * being counted under any reason (see {@link #beforeArm()}).
     */
    public MarkerJoiner(int strideShift, long timeoutNanos, Set<ProbePoint> expected, IntFunction<String> scopeOfNetns,
                        Sink sink, long armNanos) {
        this.armNanos = armNanos;
        ProbePoint first = ProbePoint.first(expected);
        this.firstPointMask = first == null ? 0 : 1 << first.ordinal();
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

    /**
     * Raw address/port tuple of an event, as the key of its flow. Mutable only for
     * {@link #probe}, the key a lookup fills in (a ping-pong's two directions alternate, so
     * every other event looks its flow up); a key in the map is never changed.
     */
    private static final class Tuple {
        long s0, s1, d0, d1;
        int ports;

        Tuple set(long s0, long s1, long d0, long d1, int ports) {
            this.s0 = s0;
            this.s1 = s1;
            this.d0 = d0;
            this.d1 = d1;
            this.ports = ports;
            return this;
        }

        boolean is(long s0, long s1, long d0, long d1, int ports) {
            return this.ports == ports && this.s0 == s0 && this.s1 == s1 && this.d0 == d0 && this.d1 == d1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tuple t && t.is(s0, s1, d0, d1, ports);
        }

        @Override
        public int hashCode() {
            long h = s0 * 31 + s1;
            h = h * 31 + d0;
            h = h * 31 + d1;
            return Long.hashCode(h * 31 + ports);
        }
    }

    /** The lookup key {@link #onEvent} fills in: no key allocated per lookup. */
    private final Tuple probe = new Tuple();

    /** {@link #position}: a distance ahead of the head from this on is a distance behind it (3 GiB). */
    private static final long BEHIND_FROM = 3L << 30;

    private static final class FlowState {
        final Tuple tuple;
        final FlowKey key;
        /** Whether the session's flow filter keeps this flow: markers of others are not counted anywhere. */
        final boolean wanted;
        /** Markers in flight by position on the flow's byte line ({@link #position}), oldest first. */
        final PositionTable<Marker> pending = new PositionTable<>();
        /** Markers the application read, and when: a retransmitted copy seen after the read is not a marker of its own. */
        final ReadLog read = new ReadLog();
        /**
         * One past the furthest byte any event of the flow covered, on its byte line: TCP's
         * 32-bit sequence numbers extended to 64 bits, so that a byte sent 4 GiB after another
         * with the same sequence number is another byte (a flow at 17 Gbit/s wraps every 2 s,
         * inside a marker timeout). Set by the first event.
         */
        long head = -1;
        long lastNanos;
        /** The pending marker stamped last: a marker's stamps mostly arrive one after another, so no lookup. */
        Marker last;

        FlowState(Tuple tuple, FlowKey key, boolean wanted) {
            this.tuple = tuple;
            this.key = key;
            this.wanted = wanted;
        }
    }

    /** A marker in flight, or held for its report; reused after it (see {@link #spare}). */
    private static final class Marker extends PositionTable.Entry {
        // position (the key, from PositionTable.Entry): the marker byte's place on the flow's
        // byte line; its low 32 bits are TCP's sequence number
        FlowState flow;
        long firstNanos;
        final Stamps stamps = new Stamps();
        /** The points among the stamps (bit mask of ordinals): a point not in it needs no search for an earlier sighting. */
        int points;
        boolean retrans;
        /** The drop epoch when the marker was first seen: a later epoch at its report means it was in flight during drops. */
        long bornEpoch;
        /** Counted by a report already: a marker whose sink threw is reported again, and counted once. */
        boolean counted;

        Marker reset(FlowState flow, long position, long firstNanos, long bornEpoch) {
            this.flow = flow;
            this.position = position;
            this.firstNanos = firstNanos;
            this.bornEpoch = bornEpoch;
            stamps.clear();
            points = 0;
            retrans = false;
            counted = false;
            return this;
        }
    }

    /** Handles one stamp record (struct ls_event, {@link ProbeRecords}) at {@code off} in {@code seg}. */
    public void onEvent(MemorySegment seg, long off) {
        bump(events);
        long ts = ProbeRecords.tsNanos(seg, off);
        if (ts > latestNanos) {
            latestNanos = ts;
        }
        int sport = ProbeRecords.sport(seg, off);
        int dport = ProbeRecords.dport(seg, off);
        int seq = ProbeRecords.seq(seg, off);
        int len = ProbeRecords.len(seg, off);
        int netns = ProbeRecords.netns(seg, off);
        int ifindex = ProbeRecords.ifindex(seg, off);
        int pointId = ProbeRecords.point(seg, off);
        int flags = ProbeRecords.flags(seg, off);
        if (pointId < 0 || pointId >= ProbeRecords.POINTS) {
            return;
        }
        ProbePoint point = ProbePoint.of(pointId);
        long s0 = ProbeRecords.saddrHalf(seg, off, 0);
        long s1 = ProbeRecords.saddrHalf(seg, off, 1);
        long d0 = ProbeRecords.daddrHalf(seg, off, 0);
        long d1 = ProbeRecords.daddrHalf(seg, off, 1);
        int ports = (sport << 16) | dport;
        FlowState flow = lastFlow;
        // consecutive events are mostly of one flow: compare before hashing a key
        if (flow == null || !flow.tuple.is(s0, s1, d0, d1, ports)) {
            flow = flows.get(probe.set(s0, s1, d0, d1, ports));
            if (flow == null) {
                FlowKey key = ProbeRecords.flow(seg, off);
                Tuple t = new Tuple().set(s0, s1, d0, d1, ports);
                flow = new FlowState(t, key, flowFilter.test(key));
                flows.put(t, flow);
            }
            lastFlow = flow;
        }
        flow.lastNanos = ts;
        if (!flow.wanted) {
            return; // outside the flow filter: neither in the histograms nor in the counters
        }
        int stride = 1 << strideShift;
        int mask = stride - 1;
        int first = (seq + mask) & ~mask;
        long at = position(flow, seq, len);
        // Every marker byte in [seq, seq+len); unsigned arithmetic handles wrap-around.
        for (long d = Integer.toUnsignedLong(first - seq); d < Integer.toUnsignedLong(len); d += stride) {
            onMarker(flow, at + d, point, netns, ifindex, ts, flags);
        }
    }

    /**
     * Where sequence number {@code seq} lies on the flow's 64-bit byte line: the position
     * whose low 32 bits are {@code seq} from 1 GiB behind the furthest byte seen to 3 GiB
     * ahead of it. A retransmission lags the head by at most TCP's largest window (1 GiB); new
     * bytes may lead it by more when the events between were lost (ring drops, a stalled
     * drainer: 3 GiB is 1.4 s at 17 Gbit/s). Moves the head past the event.
     */
    private static long position(FlowState flow, int seq, int len) {
        if (flow.head < 0) {
            flow.head = (1L << 32) + Integer.toUnsignedLong(seq); // room below for bytes sent earlier
        }
        long ahead = Integer.toUnsignedLong(seq - (int) flow.head);
        long at = flow.head + (ahead < BEHIND_FROM ? ahead : ahead - (1L << 32));
        long end = at + Integer.toUnsignedLong(len);
        if (end > flow.head) {
            flow.head = end;
        }
        return at;
    }

    private void onMarker(FlowState flow, long m, ProbePoint point, int netns, int ifindex, long ts, int flags) {
        Marker mk = flow.last;
        if (mk == null || mk.position != m) {
            mk = flow.pending.get(m);
        }
        if (mk != null && ts - mk.firstNanos > timeoutNanos) {
            // a stamp of the byte after its marker timed out (expire() had not reached it): too
            // late to join it; the marker is finished as it is
            finish(flow, mk);
            mk = null;
        }
        if (mk == null) {
            long readAt = flow.read.readAt(m);
            if (readAt != Long.MIN_VALUE && ts - readAt <= timeoutNanos) {
                // a copy of a byte the application has read: the sender retransmitted it (its ACK
                // was late or lost). Its marker is reported; a marker of the copy would only expire.
                bump(lateCopies);
                return;
            }
            Marker reused = spare.poll();
            mk = (reused != null ? reused : new Marker()).reset(flow, m, ts, dropEpoch);
            flow.pending.add(mk);
            pending.lazySet(pending.get() + 1);
        }
        flow.last = mk;
        if ((flags & ProbeRecords.F_RETRANS) != 0) {
            mk.retrans = true;
        }
        int bit = 1 << point.ordinal();
        int same = (mk.points & bit) != 0 ? mk.stamps.find(point, netns, ifindex) : -1;
        mk.points |= bit;
        if (same >= 0 && point == ProbePoint.TX_SOCK) {
            // a byte belongs to the last copy-loop pass that started at or before it; the
            // passes' ranges overlap, so this is the same sighting, not another
            mk.stamps.set(same, point, netns, ifindex, ts, flags);
        } else {
            bump(perPoint, point.ordinal());
            if (same >= 0) {
                mk.retrans = true; // seen twice at one point: sent or received again
            } else {
                mk.stamps.add(point, netns, ifindex, ts, flags);
            }
        }
        if (point == ProbePoint.RX_APP) {
            finish(flow, mk);
            flow.read.add(m, ts);
        }
    }

    /**
     * The newest stamp time handled so far (0 before the first): how far the drained stream
     * has come, which is behind the clock while the ring holds a backlog.
     *
     * @return CLOCK_MONOTONIC nanoseconds
     */
    public long latestStampNanos() {
        return latestNanos;
    }

    /**
     * Finishes markers older than the timeout, and forgets idle flows. Pass the time up to
     * which every stamp has been handled: the clock when the ring was just drained empty,
     * {@link #latestStampNanos()} while it still holds records. A marker's later stamps may
     * still wait in the ring, and a drainer that fell more than a timeout behind (a stalled
     * core, a long pause) would otherwise call it expired and count its rest as a marker of
     * its own, missing its first points (seen in a qemu guest under emulation).
     */
    public void expire(long nowNanos) {
        Iterator<FlowState> fi = flows.values().iterator();
        while (fi.hasNext()) {
            FlowState f = fi.next();
            for (Marker m = f.pending.oldest(); m != null && nowNanos - m.firstNanos > timeoutNanos; m = f.pending.oldest()) {
                finish(f, m); // insertion order: the rest are younger
            }
            f.pending.trim();
            f.read.expire(nowNanos, timeoutNanos);
            if (f.pending.isEmpty() && f.read.isEmpty() && nowNanos - f.lastNanos > 60 * timeoutNanos) {
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
            for (Marker m : f.pending.inOrder()) {
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
        flow.pending.remove(mk);
        if (flow.last == mk) {
            flow.last = null;
        }
        held.add(mk);
    }

    /**
     * Ends a batch of events: checks the ring buffer's drops, then hands the markers that
     * finished in the batch to the sink. Call after every drain, and after {@link #expire}
     * and {@link #finishAll()}.
     *
     * @param ringDrops events the ring buffer dropped since the session started
     * @param nowNanos  the time of the check (CLOCK_MONOTONIC)
     */
    public void endBatch(long ringDrops, long nowNanos) {
        if (ringDrops > dropsSeen) {
            // every marker seen before now was in flight: those held and those still pending
            // carry an older epoch, so they are left out when reported; O(1), however many are pending
            dropsSeen = ringDrops;
            dropEpoch++;
            lastDropCheckNanos = nowNanos;
            dropsSinceStart = true;
        }
        int reported = 0;
        try {
            for (; reported < held.size(); reported++) {
                Marker mk = held.get(reported);
                report(mk, nowNanos);
            }
        } finally {
            // only the markers reported go back for reuse: when the sink threw, the rest stay
            // held (and the one it threw on is reported again, counted once), never both held and reused
            for (int i = 0; i < reported; i++) {
                Marker mk = held.get(i);
                mk.flow = null;
                if (spare.size() < SPARE) {
                    spare.add(mk);
                }
            }
            held.subList(0, reported).clear();
        }
    }

    private void report(Marker mk, long nowNanos) {
        FlowState flow = mk.flow;
        boolean count = !mk.counted;
        mk.counted = true;
        if (count) {
            pending.lazySet(pending.get() - 1);
        }
        Stamps sorted = mk.stamps; // the marker is done: its stamps are sorted in place
        sorted.sortByTime();
        int seen = mk.points;
        boolean skipped = false;
        for (int i = 0; i < sorted.size(); i++) {
            skipped |= (sorted.flags(i) & FLAG_TRACING_SKIPPED) != 0;
        }
        int absent = expectedMask & ~seen;
        boolean tainted = mk.bornEpoch != dropEpoch;
        boolean complete = absent == 0 && !tainted;
        if (!complete && (mk.firstNanos < armNanos
                || ((absent & firstPointMask) != 0 && mk.firstNanos - armNanos <= timeoutNanos))) {
            if (count) {
                bump(beforeArm); // passed a point before its probe was attached: neither matched nor lost
            }
            return;
        }
        if (count) {
            countOutcome(complete, tainted, absent, skipped, mk.retrans, nowNanos);
        }
        MarkerHops hops = hopsOut;
        hops.clear();
        PathHops.hops(sorted, adjacency, hopNames, hops);
        if (complete) {
            PathHops.endToEnd(sorted, hopNames, hops);
        }
        pathOut.marker = mk;
        pathOut.complete = complete;
        sink.marker(flow.key, hops, complete, mk.retrans, pathOut);
    }

    /** The counters of one reported marker: matched, or incomplete and why. */
    private void countOutcome(boolean complete, boolean tainted, int absent, boolean skipped, boolean retrans,
                              long nowNanos) {
        if (complete) {
            bump(matched);
        } else {
            bump(incomplete);
            boolean recentDrops = dropsSinceStart && nowNanos - lastDropCheckNanos <= 2 * timeoutNanos;
            if (tainted || recentDrops) {
                bump(overflow);
            } else if ((absent & (1 << ProbePoint.RX_APP.ordinal())) != 0) {
                bump(expired);
            } else if (skipped) {
                bump(unobservable);
            } else {
                missingSets.computeIfAbsent(absent, k -> new AtomicLong()).incrementAndGet();
            }
            for (int p = 0, a = absent; a != 0; p++, a >>>= 1) {
                if ((a & 1) != 0) {
                    bump(missing, p);
                }
            }
        }
        if (retrans) {
            bump(retransmitted);
        }
    }

    /** The path of the marker being reported, built only if the sink asks; reused like {@link #hopsOut}. */
    private final class PathOnDemand implements Supplier<MarkerPath> {
        Marker marker;
        boolean complete;

        @Override
        public MarkerPath get() {
            return path(marker, hopsOut, complete);
        }
    }

    private final PathOnDemand pathOut = new PathOnDemand();

    /** A reported marker's whole path, copied out of the joiner's reused objects. */
    private MarkerPath path(Marker mk, MarkerHops hops, boolean complete) {
        Stamps st = mk.stamps;
        List<MarkerRecord.Stamp> rs = new ArrayList<>(st.size());
        for (int i = 0; i < st.size(); i++) {
            rs.add(new MarkerRecord.Stamp(st.point(i).point(), scopeOfNetns.apply(st.netns(i)), st.nanos(i)));
        }
        return new MarkerPath(new MarkerRecord(mk.flow.key, Integer.toUnsignedLong((int) mk.position), mk.retrans, rs), hops.list(),
                hops.endToEndNanos(), complete);
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

    /**
     * Counters so far.
     *
     * @param ringDrops      events the ring buffer dropped, in all
     * @param dropsPerPoint  of those, per point label
     * @return the counters
     */
    public Counters counters(long ringDrops, Map<String, Long> dropsPerPoint) {
        Map<String, Long> pp = new LinkedHashMap<>();
        for (ProbePoint p : ProbePoint.values()) {
            long n = perPoint.get(p.ordinal());
            if (n > 0 || expected.contains(p)) {
                pp.put(p.label(), n);
            }
        }
        Map<String, Long> sets = new LinkedHashMap<>();
        missingSets.forEach((mask, n) -> sets.put(labels(mask), n.get()));
        return new Counters(pp, matched.get(), incomplete.get(), retransmitted.get(), ringDrops, events.get(),
                expired.get(), overflow.get(), unobservable.get(), sets, dropsPerPoint, pending.get());
    }

    /** The labels of the points in a mask, in path order, joined by "+". */
    static String labels(int mask) {
        StringBuilder b = new StringBuilder();
        for (ProbePoint p : ProbePoint.values()) {
            if ((mask & (1 << p.ordinal())) != 0) {
                b.append(b.isEmpty() ? "" : "+").append(p.label());
            }
        }
        return b.toString();
    }

    /**
     * Keeps only the flows {@code wanted} accepts: the stamps of others are dropped before
     * any marker is made, so the counters describe the same flows as the histograms. Call
     * before the first event.
     */
    public void flowFilter(java.util.function.Predicate<FlowKey> wanted) {
        this.flowFilter = java.util.Objects.requireNonNull(wanted);
    }

    /** Markers that were in flight while the probes were attached, and so left out uncounted. */
    public long beforeArm() {
        return beforeArm.get();
    }

    /** @return sightings of marker bytes the application had already read (retransmitted copies), ignored */
    public long lateCopies() {
        return lateCopies.get();
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
}
