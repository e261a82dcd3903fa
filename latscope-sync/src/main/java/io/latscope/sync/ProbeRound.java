package io.latscope.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one round of probes to one host.
 *
 * @param host     the probed host
 * @param method   the stamp points of {@code samples}, e.g. "xdp two-step"
 * @param sent     probes sent
 * @param answered replies received
 * @param samples  complete samples for {@code method} (two-step needs the follow-up, too)
 * @param variants the same probes under every stamping the method records (XDP: one-step
 *                 and two-step), for comparing stamp points on identical packets
 * @param durationNanos how long the round took (a spread round: its bursts together)
 */
public record ProbeRound(String host, String method, int sent, int answered, List<ProbeSample> samples,
                         Map<String, List<ProbeSample>> variants, long durationNanos) {

    /**
     * Copies the samples and variants.
     *
     * @param host          the probed host
     * @param method        the stamp points of {@code samples}
     * @param sent          probes sent
     * @param answered      replies received
     * @param samples       complete samples for {@code method}
     * @param variants      the same probes under every stamping the method records
     * @param durationNanos how long the round took
     */
    public ProbeRound {
        samples = List.copyOf(samples);
        variants = Map.copyOf(variants);
    }

    /**
     * One round made of bursts sent at different times: their probes together, in order, and
     * their times added.
     *
     * @param bursts the bursts, in the order sent
     * @return the round
     */
    static ProbeRound merge(List<ProbeRound> bursts) {
        List<ProbeSample> samples = new ArrayList<>();
        Map<String, List<ProbeSample>> variants = new LinkedHashMap<>();
        int sent = 0, answered = 0;
        long nanos = 0;
        for (ProbeRound b : bursts) {
            samples.addAll(b.samples());
            b.variants().forEach((k, v) -> variants.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            sent += b.sent();
            answered += b.answered();
            nanos += b.durationNanos();
        }
        return new ProbeRound(bursts.getLast().host(), bursts.getLast().method(), sent, answered, samples, variants, nanos);
    }

    /**
     * Probes without a reply: lost on the way, or answered after the round's timeout.
     *
     * @return sent minus answered
     */
    public int lost() {
        return sent - answered;
    }
}
