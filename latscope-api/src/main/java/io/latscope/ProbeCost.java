package io.latscope;

/**
 * Self-cost of one probe program, from the kernel's own accounting (bpf_stats): how often
 * it ran and its mean run time. Shown next to the hops, since a probe's cost lands in the
 * hop that follows it. {@code runs} counts the runs the kernel timed: timing costs two
 * clock reads per run and switching it patches kernel text, so the statistics are on in
 * windows (from the session's start, then every 30 s, each until 50 000 runs were timed or
 * 5 s passed) and the mean is over that sample.
 *
 * @param program     the BPF program's name
 * @param attachPoint the probe point it stamps and how it is attached, e.g. {@code tx.tcp (sockops)}
 * @param runs        runs the kernel timed (a sample, see above; differences in an interval report)
 * @param meanNanos   mean run time over those runs, in nanoseconds; 0 when none was timed
 */
public record ProbeCost(String program, String attachPoint, long runs, double meanNanos) {
}
