package io.latscope;

/**
 * Self-cost of one probe program, from the kernel's own accounting (bpf_stats): how often
 * it ran and its mean run time. Shown next to the hops, since a probe's cost lands in the
 * hop that follows it. {@code runs} counts the runs the kernel timed: timing costs two
 * clock reads per run, so under heavy traffic the statistics are on only until 50 000 runs
 * per second were timed, and the mean is over that sample.
 */
public record ProbeCost(String program, String attachPoint, long runs, double meanNanos) {
}
