package io.latscope.junit;

import io.latscope.Durations;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.QualityPolicy;
import io.latscope.error.ConfigurationException;

import java.math.BigDecimal;
import java.util.Optional;

/** A {@link LatencyBudget}, checked for sense: a real hop, a percentile in (0, 100], a duration. */
record Budget(Hop hop, double percentile, long maxNanos, QualityPolicy quality, String declaredOn) {

    static Budget of(LatencyBudget a, String declaredOn) {
        String where = "@LatencyBudget(hop = \"" + a.hop() + "\") on " + declaredOn + ": ";
        Hop hop;
        long max;
        try {
            hop = Hop.parse(a.hop());
            max = Durations.parseNanos(a.max());
        } catch (ConfigurationException e) {
            throw new ConfigurationException(where + e.getMessage(), e);
        }
        if (!(a.percentile() > 0 && a.percentile() <= 100)) {
            throw new ConfigurationException(where + "percentile " + a.percentile() + " is not in (0, 100]");
        }
        QualityPolicy quality;
        try {
            quality = new QualityPolicy(a.minSamples(), a.maxIncomplete(), a.allowRingDrops());
        } catch (ConfigurationException e) {
            throw new ConfigurationException(where + e.getMessage(), e);
        }
        return new Budget(hop, a.percentile(), max, quality, declaredOn);
    }

    /** "p99", "p99.9". */
    String percentileLabel() {
        return "p" + BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString();
    }

    /** Null when the report meets this budget; otherwise why not, in one line. */
    String violation(LatencyReport r) {
        Optional<String> cannot = quality.problem(r, hop, percentile);
        if (cannot.isPresent()) {
            return "budget of " + Durations.format(maxNanos) + " not met: " + cannot.get();
        }
        HopStats h = r.hop(hop);
        long observed = h.percentileNanos(percentile);
        if (observed > maxNanos) {
            return hop + " " + percentileLabel() + " was " + Durations.format(observed) + ", over the budget of "
                    + Durations.format(maxNanos) + " (" + h.count() + " samples)";
        }
        return null;
    }

    long observedNanos(LatencyReport r) {
        return r.findHop(hop).map(h -> h.percentileNanos(percentile)).orElse(0L);
    }
}
