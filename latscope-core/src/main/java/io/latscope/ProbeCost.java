package io.latscope;

/**
 * Self-cost of one probe program, from the kernel's own accounting (bpf_stats): how often
 * it ran and its mean run time. Shown next to the hops, since a probe's cost lands in the
 * hop that follows it.
 */
public record ProbeCost(String program, String attachPoint, long runs, double meanNanos) {
}
