package io.latscope.bench;

import io.latscope.sync.ClockEstimator;
import io.latscope.sync.ClockModel;
import io.latscope.sync.EstimatorSettings;
import io.latscope.sync.ProbeSample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Choosing the re-sync interval. Two namespaces share one clock, so drift cannot be
 * measured here; what can be measured is the probes' noise. This replays the measured
 * leg delays of real XDP two-step probes (forward, responder turn, backward, in order)
 * against a simulated responder oscillator — 20 ppm fast, its frequency a random walk —
 * and asks the model, between rounds, for the reference time of a host timestamp.
 */
final class IntervalReplay {
    private static final double SECOND = 1e9;
    private static final double DURATION = 600 * SECOND;
    private static final double SPACING = 20_000;

    private IntervalReplay() {
    }

    /** A responder oscillator: offset and frequency (ppb) at reference time r, stepping in 10 ms. */
    static final class Oscillator {
        private final double wanderPpbPerSqrtSecond;
        private final Random rnd;
        private double r = 0, offset = 1e6, freqPpb = 20_000;

        Oscillator(double wanderPpbPerSqrtSecond, long seed) {
            this.wanderPpbPerSqrtSecond = wanderPpbPerSqrtSecond;
            this.rnd = new Random(seed);
        }

        /** Advances to reference time {@code to} (ns) and returns the offset there. */
        double offsetAt(double to) {
            double step = 10e6;
            while (r + step <= to) {
                offset += freqPpb * 1e-9 * step;
                freqPpb += wanderPpbPerSqrtSecond * Math.sqrt(step / SECOND) * rnd.nextGaussian();
                r += step;
            }
            return offset + freqPpb * 1e-9 * (to - r);
        }
    }

    static void report(List<List<ProbeSample>> measuredRounds, int probesPerRound) {
        List<ProbeSample> pool = measuredRounds.stream().flatMap(List::stream).toList();
        double[] intervals = {0.25, 0.5, 1, 2, 4, 8};
        double[] wanders = {0, 1, 10, 100};
        Duration[] windows = {Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};
        Bench.header("Re-sync interval: measured probe noise replayed against a drifting oscillator");
        System.out.println(Bench.fmt("%d measured two-step probes, %d per round, 600 s per cell; oscillator 20 ppm fast, "
                + "frequency random walk of W ppb/√s. Cells: p50 / p99 |error| in ns of toReference() at random times "
                + "between rounds.", pool.size(), probesPerRound));
        System.out.println();
        StringBuilder h = new StringBuilder("| W ppb/√s | fit window |");
        StringBuilder sep = new StringBuilder("|---|---|");
        for (double i : intervals) {
            h.append(Bench.fmt(" every %s s |", trim(i)));
            sep.append("---|");
        }
        System.out.println(h);
        System.out.println(sep);
        for (double w : wanders) {
            for (Duration win : windows) {
                StringBuilder row = new StringBuilder(Bench.fmt("| %s | %d s |", trim(w), win.toSeconds()));
                for (double i : intervals) {
                    double[] e = run(pool, probesPerRound, i * SECOND, w, win, 42);
                    row.append(Bench.fmt(" %.0f / %.0f |", e[0], e[1]));
                }
                System.out.println(row);
            }
        }
    }

    /** p50 and p99 of |error| (ns) of queries between rounds, after the first minute. */
    static double[] run(List<ProbeSample> pool, int perRound, double interval, double wander, Duration window, long seed) {
        Oscillator osc = new Oscillator(wander, seed);
        Random rnd = new Random(seed + 1);
        ClockEstimator est = new ClockEstimator("b", "a", "replay",
                EstimatorSettings.defaults().withFitWindow(window));
        List<Double> errors = new ArrayList<>();
        int next = 0;
        for (double start = 0; start < DURATION; start += interval) {
            List<ProbeSample> round = new ArrayList<>(perRound);
            for (int j = 0; j < perRound; j++) {
                ProbeSample real = pool.get(next++ % pool.size());
                double r1 = start + j * SPACING;
                double fwd = real.t2() - real.t1(), turn = real.t3() - real.t2(), back = real.t4() - real.t3();
                long t1 = Math.round(r1);
                long t2 = Math.round(r1 + fwd + osc.offsetAt(r1 + fwd));
                long t3 = Math.round(r1 + fwd + turn + osc.offsetAt(r1 + fwd + turn));
                long t4 = Math.round(r1 + fwd + turn + back);
                round.add(new ProbeSample(j, t1, t2, t3, t4));
            }
            est.addRound(round);
            ClockModel m = est.model().orElseThrow();
            if (start < 60 * SECOND) {
                continue;
            }
            double[] queries = new double[20];
            for (int q = 0; q < queries.length; q++) {
                queries[q] = start + perRound * SPACING + rnd.nextDouble() * (interval - perRound * SPACING);
            }
            Arrays.sort(queries); // the oscillator only moves forward
            for (double r : queries) {
                long h = Math.round(r + osc.offsetAt(r));
                errors.add(Math.abs(m.toReference(h) - r));
            }
        }
        double[] e = errors.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new double[] {e[e.length / 2], e[(int) Math.ceil(0.99 * e.length) - 1]};
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
