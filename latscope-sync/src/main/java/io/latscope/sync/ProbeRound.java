package io.latscope.sync;

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
 * @param durationNanos how long the round took
 */
public record ProbeRound(String host, String method, int sent, int answered, List<ProbeSample> samples,
                         Map<String, List<ProbeSample>> variants, long durationNanos) {

    public ProbeRound {
        samples = List.copyOf(samples);
        variants = Map.copyOf(variants);
    }

    /** Probes without a reply. */
    public int lost() {
        return sent - answered;
    }
}
