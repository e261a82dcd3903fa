package io.latscope.assertj;

import io.latscope.Durations;
import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.LatencyReport;
import org.assertj.core.api.AbstractObjectAssert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A candidate report against a baseline, hop by hop: a hop regressed when, at one of the
 * compared percentiles, the candidate is above {@code baseline × (1 + tolerance) + slack}.
 * Defaults: p50 and p99, a tolerance of 10 %, no slack, at least one sample on each side.
 *
 * <pre>{@code
 * assertThat(candidate).comparedTo(baseline)
 *         .atPercentiles(50, 99, 99.9)
 *         .tolerating(0.20, Duration.of(2, MICROS))   // +20 % and 2 µs of jitter
 *         .hasNoRegressions();                      // every hop of the baseline
 * assertThat(slow).comparedTo(base).hasRegressionIn(Hop.TX_DEV);
 * }</pre>
 */
public class ReportComparisonAssert extends AbstractObjectAssert<ReportComparisonAssert, LatencyReport> {
    private final LatencyReport baseline;
    private double[] percentiles = {50, 99};
    private double tolerance = 0.10;
    private long slackNanos;
    private long minSamples = 1;

    public ReportComparisonAssert(LatencyReport candidate, LatencyReport baseline) {
        super(candidate, ReportComparisonAssert.class);
        if (baseline == null) {
            throw new IllegalArgumentException("the baseline report is null");
        }
        this.baseline = baseline;
    }

    /** The percentiles compared (0–100). */
    public ReportComparisonAssert atPercentiles(double... percentiles) {
        if (percentiles.length == 0 || Arrays.stream(percentiles).anyMatch(p -> !(p > 0 && p <= 100))) {
            throw new IllegalArgumentException("percentiles must be in (0, 100]: " + Arrays.toString(percentiles));
        }
        this.percentiles = percentiles.clone();
        return this;
    }

    /** How much slower still counts as the same: a fraction (0.10 = 10 %) plus an absolute slack. */
    public ReportComparisonAssert tolerating(double fraction, Duration slack) {
        if (fraction < 0 || slack.isNegative()) {
            throw new IllegalArgumentException("tolerance and slack must not be negative");
        }
        this.tolerance = fraction;
        this.slackNanos = slack.toNanos();
        return this;
    }

    /** The fewest samples a hop needs on each side to be compared; fewer fails. */
    public ReportComparisonAssert withMinSamples(long n) {
        this.minSamples = Math.max(1, n);
        return this;
    }

    /** No hop of the baseline regressed (a baseline hop the candidate lacks fails too). */
    public ReportComparisonAssert hasNoRegressions() {
        return hasNoRegressionIn(baseline.hops().stream().filter(h -> h.count() > 0).map(HopStats::hop).toArray(Hop[]::new));
    }

    /** None of these hops regressed. */
    public ReportComparisonAssert hasNoRegressionIn(Hop... hops) {
        isNotNull();
        List<String> problems = new ArrayList<>();
        for (Hop h : hops) {
            Pair p = pair(h, problems);
            if (p != null) {
                problems.addAll(p.regressions());
            }
        }
        if (!problems.isEmpty()) {
            failWithMessage("%s", "Expecting no latency regression against the baseline (" + criterion() + "), but:\n  "
                    + String.join("\n  ", problems));
        }
        return this;
    }

    /** Each of these hops regressed, at one of the percentiles at least (e.g. to show a slowdown is seen). */
    public ReportComparisonAssert hasRegressionIn(Hop... hops) {
        isNotNull();
        List<String> problems = new ArrayList<>();
        for (Hop h : hops) {
            Pair p = pair(h, problems);
            if (p != null && p.regressions().isEmpty()) {
                problems.add(h + " did not regress: " + p.summary());
            }
        }
        if (!problems.isEmpty()) {
            failWithMessage("%s", "Expecting a latency regression against the baseline (" + criterion() + "), but:\n  "
                    + String.join("\n  ", problems));
        }
        return this;
    }

    private record Pair(Hop hop, HopStats base, HopStats now, double[] percentiles, double tolerance, long slack) {
        long limit(double p) {
            return Math.round(base.percentileNanos(p) * (1 + tolerance)) + slack;
        }

        List<String> regressions() {
            List<String> out = new ArrayList<>();
            for (double p : percentiles) {
                if (now.percentileNanos(p) > limit(p)) {
                    out.add(line(p));
                }
            }
            return out;
        }

        String line(double p) {
            long b = base.percentileNanos(p);
            long n = now.percentileNanos(p);
            return String.format(Locale.ROOT, "%s %s: %s now, %s in the baseline (%+.0f %%; %d vs %d samples)", hop,
                    HopStatsAssert.label(p), Durations.format(n), Durations.format(b), b == 0 ? 0 : 100.0 * (n - b) / b,
                    now.count(), base.count());
        }

        String summary() {
            return String.join("; ", Arrays.stream(percentiles).mapToObj(this::line).toList());
        }
    }

    private Pair pair(Hop hop, List<String> problems) {
        Optional<HopStats> base = baseline.findHop(hop);
        Optional<HopStats> now = actual.findHop(hop);
        if (base.isEmpty() || now.isEmpty()) {
            problems.add(hop + " is not in the " + (base.isEmpty() ? "baseline" : "candidate") + " (it measured "
                    + (base.isEmpty() ? baseline : actual).hops().stream().map(h -> h.hop().toString()).toList() + ")");
            return null;
        }
        if (base.get().count() < minSamples || now.get().count() < minSamples) {
            problems.add(hop + " has too few samples to compare: " + now.get().count() + " now, " + base.get().count()
                    + " in the baseline, at least " + minSamples + " needed");
            return null;
        }
        return new Pair(hop, base.get(), now.get(), percentiles, tolerance, slackNanos);
    }

    private String criterion() {
        return "at " + String.join(", ", Arrays.stream(percentiles).mapToObj(HopStatsAssert::label).toList())
                + String.format(Locale.ROOT, ", tolerating +%.0f %%", 100 * tolerance)
                + (slackNanos > 0 ? " + " + Durations.format(slackNanos) : "");
    }
}
