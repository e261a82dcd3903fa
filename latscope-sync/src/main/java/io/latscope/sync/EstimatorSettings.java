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
 */
public record EstimatorSettings(double keepFraction, int minKeptPerRound, Duration fitWindow, double outlierMads,
                                long outlierFloorNanos, Duration minDriftSpan) {

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
    }

    /**
     * The defaults: lowest 10 % per round, 5 s window, 4 MADs, 5 ns floor, drift from 0.5 s of
     * span. The window was chosen with bench SyncAccuracyBench (docs/benchmarks.md): measured
     * probe noise against oscillators whose frequency wanders; 5 s follows a wandering clock
     * far better than 30 s and loses only a few ns against 10 s on a steady one.
     */
    public static EstimatorSettings defaults() {
        return new EstimatorSettings(0.1, 1, Duration.ofSeconds(5), 4.0, 5, Duration.ofMillis(500));
    }

    public EstimatorSettings withKeepFraction(double f) {
        return new EstimatorSettings(f, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos, minDriftSpan);
    }

    public EstimatorSettings withFitWindow(Duration w) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, w, outlierMads, outlierFloorNanos, minDriftSpan);
    }

    public EstimatorSettings withMinDriftSpan(Duration d) {
        return new EstimatorSettings(keepFraction, minKeptPerRound, fitWindow, outlierMads, outlierFloorNanos, d);
    }
}
