package io.latscope;

/**
 * CPU and memory of a process at one end of a measured flow, sampled like the seed did
 * (every 100 ms by default): CPU as a percentage of one core over the period, resident
 * memory in bytes.
 *
 * @param host       the label of the host the process runs on
 * @param pid        its process id there
 * @param command    its command name ({@code /proc/PID/comm}); {@code ?} when it could not be read
 * @param flow       the measured flow whose socket it owns
 * @param cpuPercent CPU time over the period as a percentage of one core (can exceed 100 with several threads)
 * @param rssBytes   the largest resident memory sampled in the period, in bytes
 */
public record ProcessStats(String host, long pid, String command, FlowKey flow, double cpuPercent, long rssBytes) {
}
