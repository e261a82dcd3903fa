package io.latscope;

import org.HdrHistogram.Histogram;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The latency distribution of one hop, in nanoseconds. The histogram is a copy owned by
 * this object; treat it as read-only.
 */
public record HopStats(Hop hop, Histogram histogram) {

    public long count() {
        return histogram.getTotalCount();
    }

    /** Value at a percentile (0–100), in nanoseconds; 0 when empty. */
    public long percentileNanos(double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile);
    }

    public Duration percentile(double percentile) {
        return Duration.ofNanos(percentileNanos(percentile));
    }

    public double meanNanos() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMean();
    }

    public long maxNanos() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue();
    }

    public long minNanos() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue();
    }

    /**
     * HdrHistogram's percentile distribution of this hop, in microseconds: value,
     * percentile, count and 1/(1-percentile) per line, for people at a prompt (jshell).
     */
    public String distribution() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        printDistribution(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Writes {@link #distribution()} to {@code out}. */
    public void printDistribution(PrintStream out) {
        out.println(hop + " (values in µs, " + count() + " samples)");
        if (count() > 0) {
            histogram.outputPercentileDistribution(out, 5, 1000.0);
        }
        out.flush();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HopStats h && h.hop.equals(hop) && h.histogram.equals(histogram);
    }

    @Override
    public int hashCode() {
        return hop.hashCode() * 31 + Long.hashCode(histogram.getTotalCount());
    }

    @Override
    public String toString() {
        return hop + ": n=" + count() + " p50=" + Durations.format(percentileNanos(50)) + " p99="
                + Durations.format(percentileNanos(99)) + " max=" + Durations.format(maxNanos());
    }
}
