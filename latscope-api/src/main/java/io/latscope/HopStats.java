package io.latscope;

import io.latscope.error.ConfigurationException;

import org.HdrHistogram.Histogram;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The latency distribution of one hop, in nanoseconds. The histogram is a copy owned by
 * this object; treat it as read-only.
 *
 * @param hop       the hop measured
 * @param histogram its durations in nanoseconds, one sample per matched marker
 */
public record HopStats(Hop hop, Histogram histogram) {

    /**
     * How many markers were measured on this hop.
     *
     * @return the number of samples; 0 when the hop saw none
     */
    public long count() {
        return histogram.getTotalCount();
    }

    /**
     * Value at a percentile, in nanoseconds (within the histogram's precision).
     *
     * @param percentile from 0 to 100, e.g. 99.9
     * @return the duration in nanoseconds; 0 when the hop has no samples
     * @throws ConfigurationException when the percentile is not in [0, 100]
     */
    public long percentileNanos(double percentile) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new ConfigurationException("percentile " + percentile + " is outside 0..100 (p99.9 is 99.9)");
        }
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile);
    }

    /**
     * Value at a percentile, as {@link #percentileNanos(double)}.
     *
     * @param percentile from 0 to 100, e.g. 99.9
     * @return the duration; zero when the hop has no samples
     * @throws ConfigurationException when the percentile is not in [0, 100]
     */
    public Duration percentile(double percentile) {
        return Duration.ofNanos(percentileNanos(percentile));
    }

    /**
     * Mean duration on this hop.
     *
     * @return in nanoseconds; 0 when the hop has no samples
     */
    public double meanNanos() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMean();
    }

    /**
     * Longest duration seen on this hop.
     *
     * @return in nanoseconds; 0 when the hop has no samples
     */
    public long maxNanos() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue();
    }

    /**
     * Shortest duration seen on this hop.
     *
     * @return in nanoseconds; 0 when the hop has no samples
     */
    public long minNanos() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue();
    }

    /**
     * HdrHistogram's percentile distribution of this hop, in microseconds: value,
     * percentile, count and 1/(1-percentile) per line, for people at a prompt (jshell).
     *
     * @return a heading line, then the table (no table when the hop has no samples)
     */
    public String distribution() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        printDistribution(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Writes {@link #distribution()} to {@code out}.
     *
     * @param out where to print, e.g. {@code System.out}; flushed, not closed
     */
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
