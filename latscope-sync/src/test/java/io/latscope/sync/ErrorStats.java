package io.latscope.sync;

import java.util.Arrays;
import java.util.List;

/** Per-probe error statistics against a true offset of 0 (hosts sharing one clock). */
record ErrorStats(int n, double medianNanos, double p99AbsNanos, long medianRttNanos, long p99RttNanos) {

    static ErrorStats of(List<ProbeSample> samples) {
        double[] off = samples.stream().mapToDouble(ProbeSample::offsetNanos).sorted().toArray();
        double[] abs = Arrays.stream(off).map(Math::abs).sorted().toArray();
        long[] rtt = samples.stream().mapToLong(ProbeSample::rttNanos).sorted().toArray();
        return new ErrorStats(off.length, ClockEstimator.median(off.clone()), percentile(abs, 99),
                rtt[rtt.length / 2], (long) percentile(Arrays.stream(rtt).asDoubleStream().toArray(), 99));
    }

    static double percentile(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    @Override
    public String toString() {
        return String.format("%d probes: error median %+.1f ns, p99 |error| %.1f ns; RTT median %d ns, p99 %d ns",
                n, medianNanos, p99AbsNanos, medianRttNanos, p99RttNanos);
    }
}
