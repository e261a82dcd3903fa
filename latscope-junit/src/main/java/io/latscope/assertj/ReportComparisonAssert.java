package io.latscope.assertj;

import io.latscope.Durations;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import io.latscope.ReportComparison;
import io.latscope.ReportComparison.Change;
import io.latscope.ReportComparison.HopComparison;
import org.assertj.core.api.AbstractObjectAssert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Regression checks on a {@link ReportComparison}, a candidate report against a baseline,
 * hop by hop: a hop regressed when, at one of the compared percentiles, the candidate is
 * above {@code baseline × (1 + tolerance) + slack}. Defaults: p50 and p99, a tolerance of
 * 10 %, no slack, at least one sample on each side. Failures end with the comparison's
 * table.
 *
 * <pre>{@code
 * assertThat(candidate).comparedTo(baseline)
 *         .atPercentiles(50, 99, 99.9)
 *         .tolerating(0.20, Duration.of(2, MICROS))   // +20 % and 2 µs of jitter
 *         .hasNoRegressions();                        // every hop of the baseline
 * assertThat(slow).comparedTo(base).hasRegressionIn(Hop.TX_DEV);
 * }</pre>
 */
public class ReportComparisonAssert extends AbstractObjectAssert<ReportComparisonAssert, ReportComparison> {
    private double[] percentiles = {50, 99};
    private double tolerance = 0.10;
    private long slackNanos;
    private long minSamples = 1;

    /**
     * Regression checks with the defaults above.
     *
     * @param actual the comparison of a candidate with its baseline
     */
    public ReportComparisonAssert(ReportComparison actual) {
        super(actual, ReportComparisonAssert.class);
    }

    /**
     * The percentiles compared, instead of p50 and p99.
     *
     * @param percentiles at least one, each in (0, 100]
     * @return this, for chaining
     * @throws IllegalArgumentException when none is given or one is out of range
     */
    public ReportComparisonAssert atPercentiles(double... percentiles) {
        if (percentiles.length == 0 || Arrays.stream(percentiles).anyMatch(p -> !(p > 0 && p <= 100))) {
            throw new IllegalArgumentException("percentiles must be in (0, 100]: " + Arrays.toString(percentiles));
        }
        this.percentiles = percentiles.clone();
        return this;
    }

    /**
     * How much slower still counts as the same: a fraction (0.10 = 10 %) plus an absolute slack.
     *
     * @param fraction relative tolerance, not negative
     * @param slack    absolute tolerance on top, for jitter of short hops; not negative
     * @return this, for chaining
     * @throws IllegalArgumentException when either is negative
     */
    public ReportComparisonAssert tolerating(double fraction, Duration slack) {
        if (fraction < 0 || slack.isNegative()) {
            throw new IllegalArgumentException("tolerance and slack must not be negative");
        }
        this.tolerance = fraction;
        this.slackNanos = slack.toNanos();
        return this;
    }

    /**
     * The fewest samples a hop needs on each side to be compared; fewer fails.
     *
     * @param n at least 1 (smaller values count as 1)
     * @return this, for chaining
     */
    public ReportComparisonAssert withMinSamples(long n) {
        this.minSamples = Math.max(1, n);
        return this;
    }

    /**
     * No hop of the baseline regressed (a baseline hop the candidate lacks fails too).
     *
     * @return this, for chaining
     */
    public ReportComparisonAssert hasNoRegressions() {
        isNotNull();
        return hasNoRegressionIn(actual.baseline().hops().stream().filter(h -> h.count() > 0).map(HopStats::hop)
                .toArray(Hop[]::new));
    }

    /**
     * None of these hops regressed.
     *
     * @param hops the hops to check; each must be in both reports
     * @return this, for chaining
     */
    public ReportComparisonAssert hasNoRegressionIn(Hop... hops) {
        isNotNull();
        List<String> problems = new ArrayList<>();
        for (Hop h : hops) {
            HopComparison c = comparable(h, problems);
            if (c != null) {
                problems.addAll(regressions(c));
            }
        }
        failIf(problems, "Expecting no latency regression against the baseline");
        return this;
    }

    /**
     * Each of these hops regressed, at one of the percentiles at least (e.g. to show a slowdown is seen).
     *
     * @param hops the hops expected slower; each must be in both reports
     * @return this, for chaining
     */
    public ReportComparisonAssert hasRegressionIn(Hop... hops) {
        isNotNull();
        List<String> problems = new ArrayList<>();
        for (Hop h : hops) {
            HopComparison c = comparable(h, problems);
            if (c != null && regressions(c).isEmpty()) {
                problems.add(h + " did not regress: "
                        + String.join("; ", Arrays.stream(percentiles).mapToObj(p -> line(c, p)).toList()));
            }
        }
        failIf(problems, "Expecting a latency regression against the baseline");
        return this;
    }

    private void failIf(List<String> problems, String expectation) {
        if (!problems.isEmpty()) {
            failWithMessage("%s", expectation + " (" + criterion() + "), but:\n  " + String.join("\n  ", problems) + "\n"
                    + actual);
        }
    }

    /** The hop's comparison if it is in both reports with enough samples; else a problem is added. */
    private HopComparison comparable(Hop hop, List<String> problems) {
        Optional<HopComparison> found = actual.hop(hop);
        if (found.isEmpty() || !found.get().inBoth()) {
            boolean inBaseline = found.isPresent() && found.get().baseline() != null;
            LatencyReport lacking = inBaseline ? actual.candidate() : actual.baseline();
            problems.add(hop + " is not in the " + (inBaseline ? "candidate" : "baseline") + " (it measured "
                    + lacking.hops().stream().map(h -> h.hop().toString()).toList() + ")");
            return null;
        }
        HopComparison c = found.get();
        if (c.baseline().count() < minSamples || c.candidate().count() < minSamples) {
            problems.add(hop + " has too few samples to compare: " + c.candidate().count() + " now, " + c.baseline().count()
                    + " in the baseline, at least " + minSamples + " needed");
            return null;
        }
        return c;
    }

    private List<String> regressions(HopComparison c) {
        List<String> out = new ArrayList<>();
        for (double p : percentiles) {
            Change ch = c.percentile(p);
            if (ch.candidateNanos() > Math.round(ch.baselineNanos() * (1 + tolerance)) + slackNanos) {
                out.add(line(c, p));
            }
        }
        return out;
    }

    private static String line(HopComparison c, double p) {
        Change ch = c.percentile(p);
        String change = ch.baselineNanos() == 0 ? "from 0" : String.format(Locale.ROOT, "%+.0f %%", 100 * (ch.ratio() - 1));
        return c.hop() + " " + HopStatsAssert.label(p) + ": " + Durations.format(ch.candidateNanos()) + " now, "
                + Durations.format(ch.baselineNanos()) + " in the baseline (" + change + "; " + c.candidate().count()
                + " vs " + c.baseline().count() + " samples)";
    }

    private String criterion() {
        return "at " + String.join(", ", Arrays.stream(percentiles).mapToObj(HopStatsAssert::label).toList())
                + String.format(Locale.ROOT, ", tolerating +%.0f %%", 100 * tolerance)
                + (slackNanos > 0 ? " + " + Durations.format(slackNanos) : "");
    }
}
