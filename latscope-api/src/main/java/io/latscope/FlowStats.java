package io.latscope;

/**
 * Per-flow figures for one report period, from the sending socket's TCP counters
 * (TCP_INFO, and the socket's final counters when it closes): payload bytes sent, data
 * segments sent, segments retransmitted, throughput, and the loss (retransmission) rate.
 *
 * @param flow                    the direction measured, from the sending socket
 * @param label                   the host the sending socket was sampled on; may be empty
 * @param bytes                   payload sent once in the period ({@code tcpi_bytes_sent − tcpi_bytes_retrans}:
 *                                no SYN, FIN or retransmission; on kernels that do not report it,
 *                                {@code tcpi_bytes_acked}, which counts SYN and FIN too)
 * @param segments                data segments sent in the period, retransmissions included
 * @param retransmittedSegments   of those, segments sent again
 * @param throughputBitsPerSecond {@code bytes} × 8 over the length of the period
 */
public record FlowStats(FlowKey flow, String label, long bytes, long segments, long retransmittedSegments,
                        double throughputBitsPerSecond) {

    /**
     * Retransmitted segments over all transmitted segments.
     *
     * @return between 0 and 1; 0 when no segment was sent
     */
    public double lossRate() {
        return segments == 0 ? 0 : (double) retransmittedSegments / segments;
    }
}
