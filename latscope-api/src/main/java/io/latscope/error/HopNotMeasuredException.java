package io.latscope.error;

import java.util.List;
import java.util.Map;

/**
 * A report was asked for a hop it holds no samples of: the hop was not attached, is
 * unavailable on this kernel, or no marker crossed it. Not a configuration error: the
 * message names the hops that were measured and why others were not.
 */
public class HopNotMeasuredException extends LatScopeException {
    /** The hop asked for, as written. */
    private final String hop;
    /** The hops the report holds, as written. */
    private final List<String> measured;

    /**
     * An exception whose message names the hop, the hops measured and why others were not.
     *
     * @param hop         the hop asked for
     * @param measured    the hops the report holds
     * @param unavailable hops that could not be measured here, with the reason
     */
    public HopNotMeasuredException(String hop, List<String> measured, Map<String, String> unavailable) {
        super("hop " + hop + " is not in this report"
                + (unavailable.containsKey(hop) ? " (unavailable: " + unavailable.get(hop) + ")" : "")
                + "; measured: " + measured + (unavailable.isEmpty() ? "" : "; unavailable: " + unavailable));
        this.hop = hop;
        this.measured = List.copyOf(measured);
    }

    /**
     * The hop asked for.
     *
     * @return as {@code Hop.toString()} writes it, e.g. {@code tx.DEV@ns1}
     */
    public String hop() {
        return hop;
    }

    /**
     * The hops the report holds, to choose another from.
     *
     * @return hop names in path order; empty when the report measured none
     */
    public List<String> measured() {
        return measured;
    }
}
