package io.latscope;

/**
 * CPU and memory of a process at one end of a measured flow, sampled like the seed did
 * (every 100 ms by default): CPU as a percentage of one core over the period, resident
 * memory in bytes.
 */
public record ProcessStats(String host, long pid, String command, FlowKey flow, double cpuPercent, long rssBytes) {
}
