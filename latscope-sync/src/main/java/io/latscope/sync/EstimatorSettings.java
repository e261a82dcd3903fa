package io.latscope.sync;

import java.time.Duration;

/**
 * How {@link ClockEstimator} turns probes into a {@link ClockModel}.
 *
 * @param keepFraction   per round, the fraction of probes with the lowest round trips kept (0 &lt; f ≤ 1)
 * @param minKeptPerRound at least this many probes of a round are kept
 * @param fitWindow      rounds older than this (host time, from the newest probe) leave the fit,
 *                       but the last two rounds always stay
 * @param outlierMads    kept probes whose residual lies further than this many scaled MADs
 *                       from the median residual are rejected, then the line is fitted again
 * @param outlierFloorNanos residuals within this distance are never rejected (a MAD of 0 would reject everything else)
 * @param minDriftSpan   drift is fitted only when the probes used span at least this much time;
 *                       below it, the offset is taken as constant (drift 0)
 * @param slackMarginNanos per round, probes whose send stamps lie further after their floors
 *                       ({@link ProbeSample#slackNanos()}) than the round's lowest plus this are
 *                       left out of the estimate (the stamp may have come late); a negative value
 *                       keeps them all
 * @param envelope       take the offset from each leg's lower envelope over the window instead of
 *                       the least-squares line through the kept probes (the drift still comes from the line)
 * @param legSlackMarginNanos for the envelope, per round and leg: only probes whose send stamp on that
 *                       leg lies no more than this further after its floor than the round's lowest
 *                       ({@code t1 − t1Floor} for the request's leg, {@code t3 − t3Floor} for the
 *                       reply's); the envelope takes each leg's extreme, which is where a stamp that
 *                       came late (by less than {@code slackMarginNanos}) ends up. Negative: the
 *                       probes {@code slackMarginNanos} keeps
 * @param maxDriftPpm    the drift is taken to lie within ± this for the error bound (Linux slews
 *                       CLOCK_MONOTONIC by at most 500 ppm); it matters only until the probes span
 *                       enough time to bound the drift themselves
 */
public record EstimatorSettings(double keepFraction, int minKeptPerRound, Duration fitWindow, double outlierMads,
                                long outlierFloorNanos, Duration minDriftSpan, long slackMarginNanos, boolean envelope,
                                long legSlackMarginNanos, double maxDriftPpm) {

    /** Default slack margin: see {@link #defaults()}. */
    static final long SLACK_MARGIN_NANOS = 300;
    /**
     * Default per-leg margin for the envelope. A floor's gap to its send stamp varies by ~100–150
     * ns between its 10th and 50th percentile (docs/sync.md), so this keeps the faster ~third of
     * each round's probes per leg; a stamp that another tracepoint program delayed by 100–200 ns
     * moved estimates by −100…−196 ns with 300 ns (SyncTopologyTest).
     */
    static final long LEG_SLACK_MARGIN_NANOS = 100;
    static final double MAX_DRIFT_PPM = 500;

    /**
     * Checks every limit.
     *
     * @throws IllegalArgumentException when a fraction, count, duration or limit is out of range
     */
    public EstimatorSettings {
        if (!(keepFraction > 0 && keepFraction <= 1)) {
            throw new IllegalArgumentException("keepFraction must be in (0, 1], not " + keepFraction);
        }
        if (minKeptPerRound < 1) {
            throw new IllegalArgumentException("minKeptPerRound must be at least 1");
        }
        if (fitWindow.isNegative() || fitWindow.isZero() || minDriftSpan.isNegative()) {
            throw new IllegalArgumentException("fitWindow must be positive and minDriftSpan not negative");
        }
        if (!(outlierMads > 0) || outlierFloorNanos < 0) {
            throw new IllegalArgumentException("outlierMads must be positive and outlierFloorNanos not negative");
        }
        if (!(maxDriftPpm > 0)) {
            throw new IllegalArgumentException("maxDriftPpm must be positive");
        }
    }

    /**
     * The settings before late-stamp filtering and envelopes: neither, and the default drift limit.
     *
     * @param keepFraction      per round, the fraction of probes with the lowest round trips kept
     * @param minKeptPerRound   at least this many probes of a round are kept
     * @param fitWindow         how far back rounds stay in the fit
     * @param outlierMads       residuals further than this many scaled MADs from the median are rejected
     * @param outlierFloorNanos residuals within this distance are never rejected
     * @param minDriftSpan      drift is fitted only over at least this much time
     */
    public EstimatorSettings(double keepFraction, int minKeptPerRound, Duration fitWindow, double outlierMads,
                             long outlierFloorNanos, Duration minDriftSpan) {
        this(keepFraction, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos, minDriftSpan, -1, false, -1,
                MAX_DRIFT_PPM);
    }

    /**
     * The defaults: lowest 10 % per round, 5 s window, 4 MADs, 5 ns floor, drift from 0.5 s of
     * span. The window was chosen with bench SyncAccuracyBench (docs/benchmarks.md): measured
     * probe noise against oscillators whose frequency wanders; 5 s follows a wandering clock
     * far better than 30 s and loses only a few ns against 10 s on a steady one.
     *
     * @return the defaults, with a 300 ns slack margin, envelopes on and a 500 ppm drift limit
     */
    public static EstimatorSettings defaults() {
        return new EstimatorSettings(0.1, 1, Duration.ofSeconds(5), 4.0, 5, Duration.ofMillis(500), SLACK_MARGIN_NANOS,
                true, LEG_SLACK_MARGIN_NANOS, MAX_DRIFT_PPM);
    }

    /**
     * Keep another share of each round's lowest round trips.
     *
     * @param f the fraction, 0 &lt; f ≤ 1
     * @return a changed copy
     */
    public EstimatorSettings withKeepFraction(double f) {
        return new EstimatorSettings(f, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos, minDriftSpan,
                slackMarginNanos, envelope, legSlackMarginNanos, maxDriftPpm);
    }

    /**
     * Fit over another span of history.
     *
     * @param w positive
     * @return a changed copy
     */
    public EstimatorSettings withFitWindow(Duration w) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, w, outlierMads, outlierFloorNanos, minDriftSpan,
                slackMarginNanos, envelope, legSlackMarginNanos, maxDriftPpm);
    }

    /**
     * Fit drift only over at least this much time.
     *
     * @param d not negative; zero fits drift from any two probes
     * @return a changed copy
     */
    public EstimatorSettings withMinDriftSpan(Duration d) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos, d,
                slackMarginNanos, envelope, legSlackMarginNanos, maxDriftPpm);
    }

    /**
     * Leave out probes whose send stamps may have come late; a negative margin keeps every
     * probe however late its stamps may be.
     *
     * @param margin nanoseconds beyond the round's lowest slack
     * @return a changed copy
     */
    public EstimatorSettings withSlackMarginNanos(long margin) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos,
                minDriftSpan, margin, envelope, legSlackMarginNanos, maxDriftPpm);
    }

    /**
     * Sets the per-leg slack margin of the envelope.
     *
     * @param margin nanoseconds; negative: the envelope takes the probes {@link #slackMarginNanos()} keeps
     * @return a changed copy
     */
    public EstimatorSettings withLegSlackMarginNanos(long margin) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos,
                minDriftSpan, slackMarginNanos, envelope, margin, maxDriftPpm);
    }

    /**
     * Take the offset from each leg's lower envelope, or from the least-squares line.
     *
     * @param on true for envelopes
     * @return a changed copy
     */
    public EstimatorSettings withEnvelope(boolean on) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos,
                minDriftSpan, slackMarginNanos, on, legSlackMarginNanos, maxDriftPpm);
    }
}
