package io.latscope;

/**
 * Per-flow figures for one report period: bytes carried (from the socket layer),
 * throughput, retransmitted segments and the loss (retransmission) rate.
 */
public record FlowStats(FlowKey flow, String label, long bytes, long segments, long retransmittedSegments,
                        double throughputBitsPerSecond) {

    /** Retransmitted segments over all transmitted segments. */
    public double lossRate() {
        return segments == 0 ? 0 : (double) retransmittedSegments / segments;
    }
}
