package io.latscope.agent;

import io.latscope.Hop;
import io.latscope.MarkerPath.HopSample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The hops of one marker and its END_TO_END, as the joiner hands them to its sink. The joiner
 * fills one instance for every marker it reports: it is valid only during the sink's call,
 * and {@link #list()} copies it for anything kept longer.
 */
public final class MarkerHops {
    private Hop[] hop;
    private long[] nanos;
    private int size;
    private Hop endToEnd;
    private long endToEndNanos = -1;

    MarkerHops() {
        this(16);
    }

    private MarkerHops(int capacity) {
        hop = new Hop[Math.max(1, capacity)];
        nanos = new long[hop.length];
    }

    /** The hops of a list, and an END_TO_END or null (a new instance: for callers off the hot path). */
    static MarkerHops of(List<HopSample> hops, HopSample endToEnd) {
        MarkerHops h = new MarkerHops(hops.size());
        hops.forEach(s -> h.add(s.hop(), s.nanos()));
        if (endToEnd != null) {
            h.endToEnd(endToEnd.hop(), endToEnd.nanos());
        }
        return h;
    }

    /** @return how many hops (END_TO_END not counted) */
    public int size() {
        return size;
    }

    /** @return hop {@code i}, in path order */
    public Hop hop(int i) {
        return hop[i];
    }

    /** @return the time spent in hop {@code i}, in nanoseconds */
    public long nanos(int i) {
        return nanos[i];
    }

    /** @return END_TO_END scoped by direction, or null when the marker is not complete or lacks either application end */
    public Hop endToEnd() {
        return endToEnd;
    }

    /** @return END_TO_END in nanoseconds, or -1 without one */
    public long endToEndNanos() {
        return endToEndNanos;
    }

    /** @return END_TO_END as a sample, or null */
    public HopSample endToEndSample() {
        return endToEnd == null ? null : new HopSample(endToEnd, endToEndNanos);
    }

    /** @return a copy of the hops, in path order */
    public List<HopSample> list() {
        List<HopSample> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new HopSample(hop[i], nanos[i]));
        }
        return out;
    }

    void clear() {
        size = 0;
        endToEnd = null;
        endToEndNanos = -1;
    }

    void add(Hop h, long ns) {
        if (size == hop.length) {
            hop = Arrays.copyOf(hop, size * 2);
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        hop[size] = h;
        nanos[size++] = ns;
    }

    void endToEnd(Hop h, long ns) {
        endToEnd = h;
        endToEndNanos = ns;
    }
}
