package io.latscope.sync;

/**
 * One answered probe: {@code t1} sent and {@code t4} answer received on the initiator's
 * clock, {@code t2} received and {@code t3} answered on the responder's clock (all
 * CLOCK_MONOTONIC nanoseconds of the host that took them).
 */
public record ProbeSample(long seq, long t1, long t2, long t3, long t4) {

    /**
     * Responder clock minus initiator clock, assuming both legs took equally long:
     * {@code ((t2 − t1) + (t3 − t4)) / 2}. Off by half the legs' difference.
     */
    public double offsetNanos() {
        return ((t2 - t1) + (double) (t3 - t4)) / 2.0;
    }

    /** Round trip minus the responder's own time: {@code (t4 − t1) − (t3 − t2)}. */
    public long rttNanos() {
        return (t4 - t1) - (t3 - t2);
    }

    /** The responder's clock halfway through its turn, where {@link #offsetNanos()} applies. */
    public double responderMidNanos() {
        return t2 + (t3 - t2) / 2.0;
    }

    /** Initiator clock halfway between send and answer. */
    public double initiatorMidNanos() {
        return t1 + (t4 - t1) / 2.0;
    }
}
