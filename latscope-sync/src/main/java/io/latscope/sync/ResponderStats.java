package io.latscope.sync;

/**
 * What a responder did with the packets on its port.
 *
 * @param answered      requests answered
 * @param wrongKey      requests whose MAC did not verify under the session key: ignored, counted
 * @param malformed     packets to the port that were not probes of this protocol version
 * @param twoStepStamps replies whose hand-off time (two-step t3) was stamped
 * @param ambiguousStamps hand-offs of several replies at once, which get no two-step stamp
 * @param notMine       requests addressed to another host that passed through this one's
 *                      interface (it routes or bridges for a VM or container): left alone
 */
public record ResponderStats(long answered, long wrongKey, long malformed, long twoStepStamps, long ambiguousStamps,
                             long notMine) {
}
