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
     * A flow's totals over a report's period, its throughput over the whole period (at least
     * a millisecond, so that a report of no length does not divide by zero).
     *
     * @param flow                  the direction measured
     * @param label                 the host the sending socket was sampled on
     * @param bytes                 payload sent once in the period
     * @param segments              data segments sent in the period
     * @param retransmittedSegments of those, segments sent again
     * @param from                  the period's start
     * @param to                    its end
     * @return the figures
     */
    public static FlowStats over(FlowKey flow, String label, long bytes, long segments, long retransmittedSegments,
                                 java.time.Instant from, java.time.Instant to) {
        double seconds = Math.max(1e-3, java.time.Duration.between(from, to).toNanos() / 1e9);
        return new FlowStats(flow, label, bytes, segments, retransmittedSegments, bytes * 8.0 / seconds);
    }

    /**
     * Retransmitted segments over all transmitted segments.
     *
     * @return between 0 and 1; 0 when no segment was sent
     */
    public double lossRate() {
        return segments == 0 ? 0 : (double) retransmittedSegments / segments;
    }
}
