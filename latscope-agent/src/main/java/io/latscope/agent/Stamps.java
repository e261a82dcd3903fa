package io.latscope.agent;

import java.util.Arrays;

/**
 * A marker's probe sightings, in parallel arrays: point, namespace, device, time and flags of
 * each. The joiner keeps one per marker in flight and reuses it once the marker is reported,
 * so a stamp costs no object of its own (a dozen per marker, on the drainer's hot path).
 */
final class Stamps {
    private static final int INITIAL = 12;

    private byte[] point = new byte[INITIAL];
    private byte[] flags = new byte[INITIAL];
    private int[] netns = new int[INITIAL];
    private int[] ifindex = new int[INITIAL];
    private long[] nanos = new long[INITIAL];
    private int size;

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    ProbePoint point(int i) {
        return ProbePoint.of(point[i]);
    }

    int netns(int i) {
        return netns[i];
    }

    int ifindex(int i) {
        return ifindex[i];
    }

    long nanos(int i) {
        return nanos[i];
    }

    int flags(int i) {
        return flags[i] & 0xff;
    }

    /** The index of the sighting at this point, namespace and device, or -1. */
    int find(ProbePoint p, int ns, int ifx) {
        byte b = (byte) p.ordinal();
        for (int i = 0; i < size; i++) {
            if (point[i] == b && netns[i] == ns && ifindex[i] == ifx) {
                return i;
            }
        }
        return -1;
    }

    void add(ProbePoint p, int ns, int ifx, long ts, int fl) {
        if (size == point.length) {
            int n = size * 2;
            point = Arrays.copyOf(point, n);
            flags = Arrays.copyOf(flags, n);
            netns = Arrays.copyOf(netns, n);
            ifindex = Arrays.copyOf(ifindex, n);
            nanos = Arrays.copyOf(nanos, n);
        }
        set(size++, p, ns, ifx, ts, fl);
    }

    void set(int i, ProbePoint p, int ns, int ifx, long ts, int fl) {
        point[i] = (byte) p.ordinal();
        netns[i] = ns;
        ifindex[i] = ifx;
        nanos[i] = ts;
        flags[i] = (byte) fl;
    }

    /** Insertion sort by time, stable: a dozen sightings that mostly arrive in order already. */
    void sortByTime() {
        for (int i = 1; i < size; i++) {
            long t = nanos[i];
            if (nanos[i - 1] <= t) {
                continue;
            }
            byte p = point[i], f = flags[i];
            int ns = netns[i], ifx = ifindex[i];
            int j = i - 1;
            while (j >= 0 && nanos[j] > t) {
                point[j + 1] = point[j];
                flags[j + 1] = flags[j];
                netns[j + 1] = netns[j];
                ifindex[j + 1] = ifindex[j];
                nanos[j + 1] = nanos[j];
                j--;
            }
            point[j + 1] = p;
            flags[j + 1] = f;
            netns[j + 1] = ns;
            ifindex[j + 1] = ifx;
            nanos[j + 1] = t;
        }
    }
}
