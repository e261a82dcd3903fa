package io.latscope.agent;

/**
 * How long the draining thread sleeps between drains. Every wake-up costs the host a
 * context switch on a core that is usually running the traffic being measured, so the
 * pacer sleeps as long as it safely can: until the ring would be a quarter full at the
 * rate records arrived during the last sleep, between {@code min} and {@code max}. An idle
 * ring doubles the sleep up to {@code max}. Snapshots, intervals and close wake the
 * drainer early, so a long sleep never delays a report.
 */
final class DrainPacer {
    private final long capacityBytes;
    private final long minNanos;
    private final long maxNanos;
    private long park;

    DrainPacer(long capacityBytes, long minNanos, long maxNanos) {
        if (capacityBytes <= 0 || minNanos <= 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("capacity " + capacityBytes + ", min " + minNanos + ", max " + maxNanos);
        }
        this.capacityBytes = capacityBytes;
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.park = minNanos;
    }

    /**
     * The next sleep, given how many bytes arrived during the last sleep and how long it
     * lasted (0 before the first sleep).
     */
    long next(long arrivedBytes, long sleptNanos) {
        if (arrivedBytes <= 0) {
            park = Math.min(park * 2, maxNanos);
            return park;
        }
        double bytesPerNano = arrivedBytes / (double) Math.max(1, sleptNanos);
        double quarterFull = (capacityBytes / 4.0) / bytesPerNano;
        park = (long) Math.max(minNanos, Math.min(maxNanos, quarterFull));
        return park;
    }
}
