package io.latscope.sync;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * Where a host's clock offset can lie, by causality alone: a request cannot arrive before it
 * was handed over, nor a reply, so every probe says {@code θ ≤ t2 − t1Floor} around its
 * request and {@code θ ≥ t3Floor − t4} around its reply ({@link ProbeSample}), however long
 * either leg queued. With the offset a line {@code θ(h) = a + b·(h − anchor)} over the
 * window (a clock that drifts at a steady rate), the lines that satisfy every constraint
 * form a convex set; {@link #lowerNanos(double)} and {@link #upperNanos(double)} are its
 * extremes at host time {@code h}. The drift is further held within ±{@code maxDrift} (Linux
 * slews CLOCK_MONOTONIC by at most 500 ppm), which bounds the offset away from the probes
 * when they span too little time to bound the drift themselves.
 *
 * <p>Nothing here is statistical: a bound computed from these holds whatever the queueing,
 * as long as the stamps are taken where {@link ProbeSample} says. Immutable.
 */
public final class CausalBounds {
    /** Iterations of the ternary search over the drift; the interval shrinks to (2/3)^80 ≈ 1e-14 of its width. */
    private static final int SEARCH = 80;
    /** The identity: no uncertainty at all (the reference itself, or hosts declared to share its clock). */
    static final CausalBounds EXACT = new CausalBounds(new double[0], new double[0], new double[0], new double[0], 0, 0);

    private final double[] hLow, low;   // θ(hLow[i]) ≥ low[i]
    private final double[] hHigh, high; // θ(hHigh[j]) ≤ high[j]
    private final double driftMin, driftMax; // ns per ns

    private CausalBounds(double[] hLow, double[] low, double[] hHigh, double[] high, double driftMin, double driftMax) {
        this.hLow = hLow;
        this.low = low;
        this.hHigh = hHigh;
        this.high = high;
        this.driftMin = driftMin;
        this.driftMax = driftMax;
    }

    /**
     * The bounds that {@code samples} give, with the drift within ±{@code maxDriftPpm}; null
     * when they contradict each other (no steady line satisfies them all: a clock that
     * stepped, or stamps not taken where they should be).
     */
    static CausalBounds of(List<ProbeSample> samples, double maxDriftPpm) {
        int n = samples.size();
        double[] hl = new double[n], l = new double[n], hh = new double[n], hi = new double[n];
        for (int i = 0; i < n; i++) {
            ProbeSample s = samples.get(i);
            hl[i] = s.t3();  // the reply's flight, in the responder's time
            l[i] = s.lowerBoundNanos();
            hh[i] = s.t2();  // the request's
            hi[i] = s.upperBoundNanos();
        }
        // a line exists iff some drift b satisfies b·(hh[j] − hl[i]) ≤ hi[j] − l[i] for every pair
        // (for a fixed b the offsets allowed at any instant form an interval: max of lows ≤ min of highs)
        double bMin = -maxDriftPpm * 1e-6, bMax = maxDriftPpm * 1e-6;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dx = hh[j] - hl[i], room = hi[j] - l[i];
                if (dx > 0) {
                    bMax = Math.min(bMax, room / dx);
                } else if (dx < 0) {
                    bMin = Math.max(bMin, room / dx);
                } else if (room < 0) {
                    return null;
                }
            }
        }
        return bMin <= bMax ? new CausalBounds(hl, l, hh, hi, bMin, bMax) : null;
    }

    /** The probe of {@code samples} that contradicts the most others (no steady line passes through both). */
    static ProbeSample mostContradicting(List<ProbeSample> samples, double maxDriftPpm) {
        ProbeSample worst = samples.getFirst();
        int most = -1;
        for (ProbeSample s : samples) {
            int n = 0;
            for (ProbeSample o : samples) {
                if (o != s && of(List.of(s, o), maxDriftPpm) == null) {
                    n++;
                }
            }
            if (n > most) {
                most = n;
                worst = s;
            }
        }
        return worst;
    }

    /**
     * The highest offset any line satisfying every constraint has at host time {@code h}.
     *
     * @param h host time, CLOCK_MONOTONIC nanoseconds of the host
     * @return host minus reference clock, in nanoseconds; 0 without constraints
     */
    public double upperNanos(double h) {
        // for a drift b the highest line lies on the lowest of the constraints moved along b: concave in b
        return high.length == 0 ? 0 : maxOverDrift(b -> highest(h, b));
    }

    /**
     * The lowest offset any line satisfying every constraint has at host time {@code h}.
     *
     * @param h host time, CLOCK_MONOTONIC nanoseconds of the host
     * @return host minus reference clock, in nanoseconds; 0 without constraints
     */
    public double lowerNanos(double h) {
        return low.length == 0 ? 0 : -maxOverDrift(b -> -lowest(h, b));
    }

    /** The maximum of {@code f}, concave in the drift, over the allowed drifts (ternary search). */
    private double maxOverDrift(DoubleUnaryOperator f) {
        double lo = driftMin, hi = driftMax;
        for (int k = 0; k < SEARCH && hi > lo; k++) {
            double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
            if (f.applyAsDouble(m1) < f.applyAsDouble(m2)) {
                lo = m1;
            } else {
                hi = m2;
            }
        }
        return f.applyAsDouble((lo + hi) / 2);
    }

    private double highest(double h, double b) {
        double v = Double.MAX_VALUE;
        for (int j = 0; j < high.length; j++) {
            v = Math.min(v, high[j] + b * (h - hHigh[j]));
        }
        return v;
    }

    private double lowest(double h, double b) {
        double v = -Double.MAX_VALUE;
        for (int i = 0; i < low.length; i++) {
            v = Math.max(v, low[i] + b * (h - hLow[i]));
        }
        return v;
    }

    /**
     * The drift of the lines that satisfy every constraint lies within this range.
     *
     * @return the lower end, in parts per billion; at least −{@code maxDrift}
     */
    public double driftMinPpb() {
        return driftMin * 1e9;
    }

    /**
     * Upper end of {@link #driftMinPpb()}'s range.
     *
     * @return in parts per billion; at most {@code maxDrift}
     */
    public double driftMaxPpb() {
        return driftMax * 1e9;
    }

    /**
     * How many constraints the bounds rest on: one lower and one upper per probe.
     *
     * @return lower plus upper constraints; 0 for a host that shares the reference's clock
     */
    public int constraints() {
        return low.length + high.length;
    }

    /**
     * The largest distance, anywhere in [{@code from}, {@code to}], between the line
     * {@code offset + drift·(h − anchor)} and the ends of the allowed offsets — a bound on
     * that line's error over the span. {@link #upperNanos(double)} is the highest of a set of
     * lines at {@code h}, so it is convex in {@code h}, and {@link #lowerNanos(double)} concave:
     * the distance from any line is largest at one end of the span, and only the ends are
     * evaluated (exactly; a 64-point grid with a margin for between its points gave 10–15 ns more).
     */
    long maxDeviation(double anchor, double offset, double driftPerNs, double from, double to) {
        if (constraints() == 0) {
            return (long) Math.ceil(Math.max(Math.abs(offset), Math.abs(driftPerNs) * Math.max(Math.abs(from - anchor),
                    Math.abs(to - anchor))));
        }
        double worst = 0;
        for (double h : new double[] {from, to}) {
            double line = offset + driftPerNs * (h - anchor);
            worst = Math.max(worst, Math.max(line - lowerNanos(h), upperNanos(h) - line));
        }
        return (long) Math.ceil(worst);
    }

    @Override
    public String toString() {
        return String.format("CausalBounds[%d constraints, drift %+.1f..%+.1f ppb]", constraints(), driftMinPpb(),
                driftMaxPpb());
    }
}
