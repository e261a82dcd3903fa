package io.latscope.sync;

/**
 * One answered probe: {@code t1} sent and {@code t4} answer received on the initiator's
 * clock, {@code t2} received and {@code t3} answered on the responder's clock (all
 * CLOCK_MONOTONIC nanoseconds of the host that took them).
 *
 * <p>A send stamp taken after the hand-off (two-step) can be late: the stamping CPU may be
 * interrupted after the frame is on the peer's ring while the peer, polling on another CPU,
 * already took it. {@code t1Floor} and {@code t3Floor} are stamps known to have been taken
 * no later than the hand-off ({@code t1Floor ≤ t1}, {@code t3Floor ≤ t3}); receive stamps
 * are always taken after the arrival. So, by causality alone, the responder clock minus the
 * initiator clock lay in [{@link #lowerBoundNanos()}, {@link #upperBoundNanos()}] while
 * the probe was under way, however the legs were delayed. Stamps taken before the hand-off
 * (one-step, user space) are their own floors.
 *
 * @param seq     the probe's sequence number in its round
 * @param t1      request sent, initiator's clock
 * @param t2      request received, responder's clock
 * @param t3      reply sent, responder's clock
 * @param t4      reply received, initiator's clock
 * @param t1Floor a stamp taken no later than the request's hand-off (≤ {@code t1})
 * @param t3Floor a stamp taken no later than the reply's hand-off (≤ {@code t3})
 */
public record ProbeSample(long seq, long t1, long t2, long t3, long t4, long t1Floor, long t3Floor) {

    /**
     * Checks that no floor comes after its send stamp.
     *
     * @param seq     the probe's sequence number
     * @param t1      request sent, initiator's clock
     * @param t2      request received, responder's clock
     * @param t3      reply sent, responder's clock
     * @param t4      reply received, initiator's clock
     * @param t1Floor no later than {@code t1}
     * @param t3Floor no later than {@code t3}
     * @throws IllegalArgumentException when a floor is later than its send stamp
     */
    public ProbeSample {
        if (t1Floor > t1 || t3Floor > t3) {
            throw new IllegalArgumentException("a floor stamp after its send stamp: t1 " + t1 + " floor " + t1Floor
                    + ", t3 " + t3 + " floor " + t3Floor);
        }
    }

    /**
     * A probe whose send stamps were taken no later than the hand-off (they are their own floors).
     *
     * @param seq the probe's sequence number
     * @param t1  request sent, initiator's clock
     * @param t2  request received, responder's clock
     * @param t3  reply sent, responder's clock
     * @param t4  reply received, initiator's clock
     */
    public ProbeSample(long seq, long t1, long t2, long t3, long t4) {
        this(seq, t1, t2, t3, t4, t1, t3);
    }

    /**
     * Responder clock minus initiator clock, assuming both legs took equally long:
     * {@code ((t2 − t1) + (t3 − t4)) / 2}. Off by half the legs' difference.
     *
     * @return in nanoseconds
     */
    public double offsetNanos() {
        return ((t2 - t1) + (double) (t3 - t4)) / 2.0;
    }

    /**
     * Round trip minus the responder's own time: {@code (t4 − t1) − (t3 − t2)}.
     *
     * @return in nanoseconds: both legs' flight and queueing
     */
    public long rttNanos() {
        return (t4 - t1) - (t3 - t2);
    }

    /**
     * The offset can be at most this: the request cannot arrive before it was handed over ({@code t2 − t1Floor}).
     *
     * @return in nanoseconds
     */
    public long upperBoundNanos() {
        return t2 - t1Floor;
    }

    /**
     * The offset is at least this: the reply cannot arrive before it was handed over ({@code t3Floor − t4}).
     *
     * @return in nanoseconds
     */
    public long lowerBoundNanos() {
        return t3Floor - t4;
    }

    /**
     * How much later than their floors the send stamps were taken: {@code (t1 − t1Floor) + (t3 − t3Floor)}.
     *
     * @return in nanoseconds; 0 for stamps that are their own floors
     */
    public long slackNanos() {
        return (t1 - t1Floor) + (t3 - t3Floor);
    }

    /**
     * The responder's clock halfway through its turn, where {@link #offsetNanos()} applies.
     *
     * @return responder CLOCK_MONOTONIC nanoseconds
     */
    public double responderMidNanos() {
        return t2 + (t3 - t2) / 2.0;
    }

    /**
     * Initiator clock halfway between send and answer.
     *
     * @return initiator CLOCK_MONOTONIC nanoseconds
     */
    public double initiatorMidNanos() {
        return t1 + (t4 - t1) / 2.0;
    }
}
