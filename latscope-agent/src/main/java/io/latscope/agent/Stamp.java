package io.latscope.agent;

/** One probe event as it applies to one marker. */
record Stamp(ProbePoint point, int netns, int ifindex, long nanos, int flags) {
}
