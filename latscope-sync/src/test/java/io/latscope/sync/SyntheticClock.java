package io.latscope.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A responder clock with a known offset and drift against the reference, and probes
 * with chosen leg delays: {@code host(r) = r + offset + driftPpb·1e-9·(r − r0)}.
 */
final class SyntheticClock {
    final double offsetNanos;
    final double driftPpb;
    final double r0;
    private long seq;

    SyntheticClock(double offsetNanos, double driftPpb, double r0) {
        this.offsetNanos = offsetNanos;
        this.driftPpb = driftPpb;
        this.r0 = r0;
    }

    /** The responder's clock at reference time {@code r}, unrounded. */
    double host(double r) {
        return r + offsetNanos + driftPpb * 1e-9 * (r - r0);
    }

    /** Reference time at responder time {@code h} (inverse of {@link #host}). */
    double reference(double h) {
        double d = driftPpb * 1e-9;
        return (h - offsetNanos + d * r0) / (1 + d);
    }

    /** A probe sent at reference time {@code r1}: forward leg, responder turn and backward leg in reference ns. */
    ProbeSample probe(double r1, double forward, double turn, double backward) {
        long t1 = Math.round(r1);
        long t2 = Math.round(host(r1 + forward));
        long t3 = Math.round(host(r1 + forward + turn));
        long t4 = Math.round(r1 + forward + turn + backward);
        return new ProbeSample(++seq, t1, t2, t3, t4);
    }

    /**
     * A round of {@code n} probes starting at {@code start}, {@code spacing} apart: every
     * {@code n / clean}-th with both legs {@code leg} ns, the others with
     * {@code 1 000 … 50 000} ns of extra delay on one leg (alternating), seeded.
     */
    List<ProbeSample> round(double start, int n, int clean, double spacing, double leg, double turn, long seed) {
        Random rnd = new Random(seed);
        List<ProbeSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double r1 = start + i * spacing;
            if (i % (n / clean) == 0) {
                out.add(probe(r1, leg, turn, leg));
            } else {
                double extra = 1000 + rnd.nextInt(49_001);
                out.add(i % 2 == 0 ? probe(r1, leg + extra, turn, leg) : probe(r1, leg, turn, leg + extra));
            }
        }
        return out;
    }
}
