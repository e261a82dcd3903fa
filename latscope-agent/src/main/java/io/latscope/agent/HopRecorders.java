package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.MarkerPath.HopSample;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-hop (and per-flow, per-hop) latency recorders: one writer at a time records
 * without blocking — calls to {@link #recordMarker} must not overlap —
 * while readers take interval and cumulative histograms. Every flip adds what was
 * recorded to both the open interval and the cumulative total, so on-demand snapshots
 * never disturb interval boundaries.
 *
 * <p>Like HdrHistogram's {@code SingleWriterRecorder}, each hop records into a plain
 * (not atomic) active histogram that readers swap with an inactive one under a
 * {@link WriterReaderPhaser}; unlike it, one phaser covers every hop, so a marker's dozen
 * values cost one critical section (two atomic increments) instead of one per value. The
 * writer finds a hop's histograms through identity-keyed caches of its own (hop and flow
 * objects are reused from marker to marker), not by hashing the records each time.
 *
 * <p>Recording is on the hot path, so histograms are dense (auto-resizing): packed ones
 * cost several times more per value. Per-hop ones keep 3 significant digits; per-flow
 * ones 2 (1 %), for at most {@link #MAX_FLOWS} flows, to bound memory.
 */
public final class HopRecorders {
    /** Flows beyond this many get no per-flow histograms (they still count in the per-hop ones). */
    public static final int MAX_FLOWS = 256;
    /** Writer-side identity caches are dropped at this size (callers that make new keys each time). */
    private static final int CACHE_LIMIT = 4096;

    /** The active histogram takes values; the inactive one is empty between flips. */
    private static final class Slot {
        volatile Histogram active;
        Histogram inactive;

        Slot(int digits) {
            active = new Histogram(digits);
            inactive = new Histogram(digits);
        }
    }

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    private final Map<Hop, Slot> hops = new ConcurrentHashMap<>();
    private final Map<FlowKey, Map<Hop, Slot>> flowHops = new ConcurrentHashMap<>();

    // writer side, confined to the recording thread: a flow's FlowSlots by equal key (at
    // most MAX_FLOWS), and identity aliases of hop and flow objects in front of the maps
    private final Map<FlowKey, FlowSlots> flowSlotsByKey = new HashMap<>();
    private final FlowSlots hopsOnly = new FlowSlots(null); // no flow, or one beyond MAX_FLOWS
    private final IdentityHashMap<Hop, Slot> hopCache = new IdentityHashMap<>();
    private final IdentityHashMap<FlowKey, FlowSlots> flowCache = new IdentityHashMap<>();

    /**
     * A flow's slots as the writer sees them; {@code shared} is null beyond {@link #MAX_FLOWS}.
     * A flow's markers mostly take the same hops in the same order, so the slots of the
     * previous marker's i-th hop are kept for position i: a reference compare finds them.
     */
    private static final class FlowSlots {
        final Map<Hop, Slot> shared;
        final IdentityHashMap<Hop, Slot> byHop = new IdentityHashMap<>();
        Hop[] lastHop = new Hop[0];
        Slot[] lastHopSlot = new Slot[0];
        Slot[] lastFlowSlot = new Slot[0];

        FlowSlots(Map<Hop, Slot> shared) {
            this.shared = shared;
        }
    }

    // reader side, guarded by this
    private final Map<Hop, Histogram> cumulative = new HashMap<>();
    private Map<Hop, Histogram> interval = new HashMap<>();
    private final Map<FlowKey, Map<Hop, Histogram>> flowCumulative = new HashMap<>();
    private Map<FlowKey, Map<Hop, Histogram>> flowInterval = new HashMap<>();

    /**
     * Writer side: the hops of one marker and, when not null, its END_TO_END (scoped by
     * direction), in one critical section.
     */
    public void recordMarker(FlowKey flow, List<HopSample> samples, HopSample endToEnd) {
        recordMarker(flow, MarkerHops.of(samples, endToEnd));
    }

    /** Writer side: the hops of one marker and its END_TO_END when it has one, in one critical section. */
    public void recordMarker(FlowKey flow, MarkerHops marker) {
        FlowSlots fs = flowSlots(flow);
        int n = marker.size();
        if (fs.lastHop.length < n + 1) {
            fs.lastHop = java.util.Arrays.copyOf(fs.lastHop, n + 1);
            fs.lastHopSlot = java.util.Arrays.copyOf(fs.lastHopSlot, n + 1);
            fs.lastFlowSlot = java.util.Arrays.copyOf(fs.lastFlowSlot, n + 1);
        }
        long enter = phaser.writerCriticalSectionEnter();
        try {
            for (int i = 0; i < n; i++) {
                recordAt(fs, i, marker.hop(i), marker.nanos(i));
            }
            if (marker.endToEnd() != null) {
                recordAt(fs, n, marker.endToEnd(), marker.endToEndNanos());
            }
        } finally {
            phaser.writerCriticalSectionExit(enter);
        }
    }

    /** Records at position {@code i} of a marker's hops, through the slots the previous marker used there. */
    private void recordAt(FlowSlots fs, int i, Hop hop, long nanos) {
        if (fs.lastHop[i] != hop) {
            fs.lastHop[i] = hop;
            fs.lastHopSlot[i] = hopSlot(hop);
            fs.lastFlowSlot[i] = flowSlot(fs, hop);
        }
        long v = clamp(nanos);
        fs.lastHopSlot[i].active.recordValue(v);
        Slot f = fs.lastFlowSlot[i];
        if (f != null) {
            f.active.recordValue(v);
        }
    }

    private static long clamp(long nanos) {
        return Math.max(0, Math.min(nanos, LatencyReport.HIGHEST_TRACKABLE_NANOS));
    }

    /** The flow's slot of a hop, or null when the flow has no per-flow histograms. */
    private static Slot flowSlot(FlowSlots fs, Hop hop) {
        return fs.shared == null ? null : slot(fs.byHop, fs.shared, hop, LatencyReport.FLOW_SIGNIFICANT_DIGITS);
    }

    private Slot hopSlot(Hop hop) {
        return slot(hopCache, hops, hop, LatencyReport.SIGNIFICANT_DIGITS);
    }

    /** A hop's slot in {@code shared} (made on first use), found through the writer's identity cache. */
    private static Slot slot(IdentityHashMap<Hop, Slot> cache, Map<Hop, Slot> shared, Hop hop, int digits) {
        Slot s = cache.get(hop);
        return s != null ? s : remember(cache, hop, shared.computeIfAbsent(hop, h -> new Slot(digits)));
    }

    /** Puts into a writer-side identity cache, emptied first when it reached {@link #CACHE_LIMIT}. */
    private static <K, V> V remember(IdentityHashMap<K, V> cache, K key, V value) {
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(key, value);
        return value;
    }

    private FlowSlots flowSlots(FlowKey flow) {
        if (flow == null) {
            return hopsOnly;
        }
        FlowSlots fs = flowCache.get(flow);
        if (fs == null) {
            fs = flowSlotsByKey.get(flow);
            if (fs == null && flowSlotsByKey.size() < MAX_FLOWS) {
                fs = new FlowSlots(flowHops.computeIfAbsent(flow, f -> new ConcurrentHashMap<>()));
                flowSlotsByKey.put(flow, fs);
            } else if (fs == null) {
                fs = hopsOnly;
            }
            remember(flowCache, flow, fs);
        }
        return fs;
    }

    /** Swaps every slot's histograms, waits out the writer, and adds what it had recorded. */
    private void flip() {
        phaser.readerLock();
        try {
            hops.values().forEach(HopRecorders::swap);
            flowHops.values().forEach(m -> m.values().forEach(HopRecorders::swap));
            phaser.flipPhase();
            // slots created after the swaps above kept their values in the active histogram:
            // the next flip takes them, and an inactive histogram with nothing in it adds nothing
            hops.forEach((h, s) -> drain(s, cumulative, interval, h, LatencyReport.SIGNIFICANT_DIGITS));
            flowHops.forEach((f, m) -> m.forEach((h, s) -> drain(s, flowCumulative.computeIfAbsent(f, k -> new HashMap<>()),
                    flowInterval.computeIfAbsent(f, k -> new HashMap<>()), h, LatencyReport.FLOW_SIGNIFICANT_DIGITS)));
        } finally {
            phaser.readerUnlock();
        }
    }

    private static void swap(Slot s) {
        Histogram was = s.active;
        s.active = s.inactive;
        s.inactive = was;
    }

    /**
     * Adds a swapped-out histogram to the totals and empties it. Every known hop gets an
     * entry, empty or not; adding and clearing walk the whole counts array, so an empty
     * one is skipped.
     */
    private static void drain(Slot s, Map<Hop, Histogram> total, Map<Hop, Histogram> open, Hop h, int digits) {
        Histogram t = total.computeIfAbsent(h, k -> new Histogram(digits));
        Histogram o = open.computeIfAbsent(h, k -> new Histogram(digits));
        if (s.inactive.getTotalCount() > 0) {
            t.add(s.inactive);
            o.add(s.inactive);
            s.inactive.reset();
        }
    }

    /** Everything recorded so far. The maps are copies. */
    public synchronized Totals cumulative() {
        flip();
        return new Totals(copy(cumulative), copyFlows(flowCumulative));
    }

    /** What was recorded since the previous call; starts a new interval. */
    public synchronized Totals closeInterval() {
        flip();
        Totals t = new Totals(interval, flowInterval); // handed over, not copied: the next interval starts empty
        interval = new HashMap<>();
        flowInterval = new HashMap<>();
        return t;
    }

    /** Histograms per hop, and per flow and hop. */
    public record Totals(Map<Hop, Histogram> hops, Map<FlowKey, Map<Hop, Histogram>> flows) {
    }

    private static Map<Hop, Histogram> copy(Map<Hop, Histogram> m) {
        Map<Hop, Histogram> out = new HashMap<>();
        m.forEach((h, v) -> out.put(h, v.copy()));
        return out;
    }

    private static Map<FlowKey, Map<Hop, Histogram>> copyFlows(Map<FlowKey, Map<Hop, Histogram>> m) {
        Map<FlowKey, Map<Hop, Histogram>> out = new HashMap<>();
        m.forEach((f, v) -> out.put(f, copy(v)));
        return out;
    }
}
