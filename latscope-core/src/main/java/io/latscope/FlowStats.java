package io.latscope;

/**
 * Per-flow figures for one report period, from the sending socket's TCP counters
 * (TCP_INFO, and the socket's final counters when it closes): bytes acknowledged
 * ({@code bytes_acked}: the data plus one each for SYN and FIN), data segments sent,
 * segments retransmitted, throughput, and the loss (retransmission) rate.
 */
public record FlowStats(FlowKey flow, String label, long bytes, long segments, long retransmittedSegments,
                        double throughputBitsPerSecond) {

    /** Retransmitted segments over all transmitted segments. */
    public double lossRate() {
        return segments == 0 ? 0 : (double) retransmittedSegments / segments;
    }
}
