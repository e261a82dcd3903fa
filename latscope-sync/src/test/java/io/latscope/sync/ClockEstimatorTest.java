package io.latscope.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The estimator on synthetic timestamp streams whose true offset, drift and delays are known. */
class ClockEstimatorTest {
    private static final double R0 = 5_000_000_000_000.0; // reference clock at the first probe (ns)
    private static final double SECOND = 1e9;

    private static ClockEstimator estimator(EstimatorSettings s) {
        return new ClockEstimator("b", "a", "synthetic", s);
    }

    @Test
    void recoversOffsetAndDriftFromProbesWithAsymmetricJitter() {
        // 40 ppm fast, 1.234567 ms ahead at r0; 61 rounds a second apart; in each round 10 of
        // 100 probes have 600 ns legs, the rest up to 50 µs extra on one leg
        SyntheticClock clock = new SyntheticClock(1_234_567, 40_000, R0);
        ClockEstimator est = estimator(EstimatorSettings.defaults().withFitWindow(Duration.ofMinutes(5)));
        for (int r = 0; r <= 60; r++) {
            est.addRound(clock.round(R0 + r * SECOND, 100, 10, 20_000, 600, 300, r));
        }
        ClockModel m = est.model().orElseThrow();

        assertThat(m.probesUsed()).isEqualTo(610);
        assertThat(m.probesSeen()).isEqualTo(6100);
        // the offset is a function of the host's time: slope d/(1+d) per host nanosecond
        assertThat(m.driftPpb()).isCloseTo(40_000 / 1.00004, within(0.01));
        for (double r = R0; r <= R0 + 60 * SECOND; r += 7.5 * SECOND) {
            double h = clock.host(r);
            assertThat(m.offsetAt(Math.round(h))).isCloseTo(h - r, within(1.0));
            assertThat(m.toReference(Math.round(h))).isCloseTo(Math.round(r), within(1L));
            assertThat(m.fromReference(Math.round(r))).isCloseTo(Math.round(h), within(1L));
        }
        // clean probes: legs of 600 ns, so by causality the offset lies within ±600 ns of the
        // line; the drift those probes allow moves the ends by a few ns between them
        assertThat(m.errorBoundNanos()).isBetween(600L, 620L);
        // the window spans every probe of its rounds, kept or not: round 0's first to round 60's last
        // (60 s + 99 × 20 µs of reference time), 40 ppm longer on b
        assertThat(m.fitWindow().toNanos()).isCloseTo(60_004_380_079L, within(2L));
    }

    @Test
    void withoutDriftTheOffsetIsExact() {
        SyntheticClock clock = new SyntheticClock(-98_765, 0, R0);
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        for (int r = 0; r < 5; r++) {
            est.addRound(clock.round(R0 + r * SECOND, 200, 20, 10_000, 450, 250, 100 + r));
        }
        ClockModel m = est.model().orElseThrow();
        assertThat(m.offsetNanos()).isEqualTo(-98_765.0);
        assertThat(m.driftPpb()).isEqualTo(0.0);
        assertThat(m.offsetStdErrorNanos()).isEqualTo(0.0);
        assertThat(m.errorBoundNanos()).isBetween(450L, 470L);
        assertThat(m.probesUsed()).isEqualTo(100);
        assertThat(m.toReference(1_000_000_000L)).isEqualTo(1_000_098_765L);
    }

    @Test
    void aConstantAsymmetryBetweenTheLegsBiasesByHalfItsSize() {
        // no filtering can see this: every probe has a 700 ns forward and a 500 ns backward leg
        SyntheticClock clock = new SyntheticClock(10_000, 0, R0);
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        List<ProbeSample> round = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            round.add(clock.probe(R0 + i * 10_000, 700, 300, 500));
        }
        est.addRound(round);
        ClockModel m = est.model().orElseThrow();
        assertThat(m.offsetNanos()).isEqualTo(10_100.0);
        // the bound still holds: causality covers any split between the legs (one 0.5 ms round
        // bounds the drift only to ±500 ppm, which widens it by a few tens of ns between probes)
        assertThat(m.errorBoundNanos()).isBetween(600L, 640L);
        assertThat(Math.abs(m.offsetNanos() - 10_000)).isLessThanOrEqualTo(m.errorBoundNanos());
    }

    @Test
    void withoutRttFilteringQueueingOnOneLegBiasesTheEstimate() {
        // every other probe waits 2 µs more on the forward leg: unfiltered mean is +500 ns off
        SyntheticClock clock = new SyntheticClock(0, 0, R0);
        List<ProbeSample> round = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            round.add(clock.probe(R0 + i * 10_000, 600 + (i % 2) * 2000, 300, 600));
        }
        EstimatorSettings noRejection = new EstimatorSettings(1.0, 1, Duration.ofMinutes(1), 1e9, 0, Duration.ofSeconds(2));
        ClockEstimator unfiltered = estimator(noRejection);
        unfiltered.addRound(round);
        assertThat(unfiltered.model().orElseThrow().offsetNanos()).isEqualTo(500.0);

        ClockEstimator filtered = estimator(noRejection.withKeepFraction(0.5));
        filtered.addRound(round);
        assertThat(filtered.model().orElseThrow().offsetNanos()).isEqualTo(0.0);
    }

    @Test
    void outliersAmongLowRttProbesAreRejected() {
        // three probes see the responder's clock 8 µs off (a step that came back) with a normal
        // round trip, which RTT filtering cannot catch
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        addRoundsWithASteppedProbe(est);
        ClockModel m = est.model().orElseThrow();
        assertThat(m.offsetNanos()).isEqualTo(3_000.0);
        // per round the stepped probe took one of the 10 low-RTT places, then was rejected
        assertThat(m.probesUsed()).isEqualTo(27);

        // (a floor of 1 ms as well: with the 27 clean probes on one flat line the MAD is 0)
        EstimatorSettings noRejection = new EstimatorSettings(0.1, 1, Duration.ofMinutes(1), 1e9, 1_000_000,
                Duration.ofSeconds(2));
        ClockEstimator naive = estimator(noRejection);
        addRoundsWithASteppedProbe(naive);
        // the stepped probe displaces one clean probe per round: 3 of 30 are 8 µs off, and the
        // line (3800 ns) is only held to the highest offset the other probes allow by causality
        assertThat(naive.model().orElseThrow().offsetNanos()).isCloseTo(3_600.0, within(1e-6));
    }

    /** Three rounds of a clock 3 µs ahead; in each, one probe sees it 11 µs ahead, with a clean round trip. */
    private static void addRoundsWithASteppedProbe(ClockEstimator est) {
        SyntheticClock clock = new SyntheticClock(3_000, 0, R0);
        SyntheticClock stepped = new SyntheticClock(11_000, 0, R0);
        for (int r = 0; r < 3; r++) {
            List<ProbeSample> round = new ArrayList<>(clock.round(R0 + r * SECOND, 100, 10, 10_000, 600, 300, r));
            round.set(1, stepped.probe(R0 + r * SECOND + 5_000, 600, 300, 600));
            est.addRound(round);
        }
    }

    @Test
    void roundsOlderThanTheFitWindowLeaveTheFit() {
        SyntheticClock before = new SyntheticClock(1_000, 0, R0);
        SyntheticClock after = new SyntheticClock(5_000, 0, R0);
        // a round's time is its newest probe's; jitter moves it by up to 50 µs
        ClockEstimator est = estimator(EstimatorSettings.defaults().withFitWindow(Duration.ofMillis(20_500))
                .withMinDriftSpan(Duration.ofHours(1)));
        for (int r = 0; r < 60; r++) {
            SyntheticClock c = r < 30 ? before : after;
            est.addRound(c.round(R0 + r * SECOND, 50, 5, 10_000, 600, 300, r));
        }
        ClockModel m = est.model().orElseThrow();
        assertThat(m.offsetNanos()).isEqualTo(5_000.0);
        assertThat(m.probesUsed()).isEqualTo(21 * 5); // rounds 39..59
        assertThat(m.probesSeen()).isEqualTo(21 * 50);
    }

    /**
     * Two rounds a second apart of 100 probes with equal round trips (the lowest 10 % kept: the
     * first ten) whose legs differ by up to ±{@code asymmetry} ns.
     */
    private static ClockEstimator noisyRounds(SyntheticClock clock, double asymmetry, long seed) {
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        Random rnd = new Random(seed);
        for (int r = 0; r < 2; r++) {
            List<ProbeSample> round = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                double skew = (rnd.nextDouble() * 2 - 1) * asymmetry;
                round.add(clock.probe(R0 + r * SECOND + i * 100_000, 600 + skew, 300, 600 - skew));
            }
            est.addRound(round);
        }
        return est;
    }

    @Test
    void aDriftWithinItsNoiseIsTakenAsNoneAndItsUncertaintyKept() {
        // one machine's clocks (drift 0), legs uneven by up to ±400 ns: a fitted slope would be
        // noise that moves the offset by microseconds within seconds of the window
        SyntheticClock clock = new SyntheticClock(2_500, 0, R0);
        for (long seed = 1; seed <= 20; seed++) {
            ClockModel m = noisyRounds(clock, 400, seed).model().orElseThrow();
            assertThat(m.driftPpb()).as("seed %d", seed).isEqualTo(0.0);
            assertThat(m.driftStdErrorPpb()).as("seed %d", seed).isPositive();
            assertThat(m.offsetNanos()).as("seed %d", seed).isCloseTo(2_500, within(200.0));
            double tenSecondsOn = R0 + 10 * SECOND;
            assertThat(m.errorBoundNanos(Math.round(tenSecondsOn))).isGreaterThan(m.errorBoundNanos());
        }
    }

    @Test
    void aDriftWellAboveItsNoiseIsFitted() {
        // the same noise on a clock 5 ppm fast: hundreds of standard errors from zero
        SyntheticClock clock = new SyntheticClock(2_500, 5_000, R0);
        ClockModel m = noisyRounds(clock, 400, 3).model().orElseThrow();
        assertThat(m.driftPpb()).isCloseTo(5_000, within(300.0));
    }

    @Test
    void driftIsNotFittedOverTooShortASpan() {
        // one 20 ms round of a 100 ppm clock: too short a span to fit drift, so the offset is
        // the mean over the clean probes — but causality alone says the clock drifts: its offset
        // moved 1.8 µs while the legs took 600 ns, so the drift is held to at least (1800 − 1200)
        // ns over 18 ms ≈ 33 ppm
        SyntheticClock clock = new SyntheticClock(0, 100_000, R0);
        // the line's offset (the envelope's would be detrended by a drift that is known only to ±30 ppm)
        ClockEstimator est = estimator(EstimatorSettings.defaults().withEnvelope(false));
        est.addRound(clock.round(R0, 100, 10, 200_000, 600, 300, 7));
        ClockModel m = est.model().orElseThrow();
        assertThat(m.driftStdErrorPpb()).isEqualTo(0.0);
        assertThat(m.bounds().driftMinPpb()).isBetween(30_000.0, 100_000.0);
        assertThat(m.driftPpb()).isCloseTo(m.bounds().driftMinPpb(), within(1e-6));
        // clean probes every 2 ms: true offsets 100 ppm × (i·2 ms + 750 ns) = 0.075 … 1800.075 ns
        assertThat(m.offsetNanos()).isCloseTo(900.075, within(0.5));
        // and the bound holds over the round
        for (int i = 0; i < 100; i += 9) {
            double r = R0 + i * 200_000 + 750;
            long h = Math.round(clock.host(r));
            assertThat(Math.abs(m.offsetAt(h) - (h - r))).isLessThanOrEqualTo(m.errorBoundNanos(h));
        }
    }

    @Test
    void noProbesNoModel() {
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        est.addRound(List.of());
        assertThat(est.model()).isEmpty();
    }

    @Test
    void lowestRttKeepsAFractionAndAtLeastTheMinimum() {
        SyntheticClock clock = new SyntheticClock(0, 0, R0);
        List<ProbeSample> s = new ArrayList<>();
        Random rnd = new Random(1);
        for (int i = 0; i < 37; i++) {
            s.add(clock.probe(R0 + i * 1000, 500 + rnd.nextInt(1000), 100, 500));
        }
        List<ProbeSample> kept = ClockEstimator.lowestRtt(s, 0.1, 1);
        assertThat(kept).hasSize(4).isSortedAccordingTo((x, y) -> Long.compare(x.seq(), y.seq()));
        long worstKept = kept.stream().mapToLong(ProbeSample::rttNanos).max().orElseThrow();
        assertThat(s.stream().filter(p -> !kept.contains(p))).allMatch(p -> p.rttNanos() >= worstKept);
        assertThat(ClockEstimator.lowestRtt(s.subList(0, 3), 0.1, 2)).hasSize(2);
    }

    @Test
    void errorBoundGrowsOutsideTheFitWindow() {
        // three rounds a second apart, clean legs of 600 ns: within the window the bound is about a
        // leg; away from it the offset may move as far as the drift the probes allow
        SyntheticClock clock = new SyntheticClock(700, 0, R0);
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        for (int r = 0; r < 3; r++) {
            est.addRound(clock.round(R0 + r * SECOND, 50, 5, 10_000, 600, 300, r));
        }
        ClockModel m = est.model().orElseThrow();
        long mid = (m.windowStartNanos() + m.windowEndNanos()) / 2;
        assertThat(m.errorBoundNanos(mid)).isLessThanOrEqualTo(m.errorBoundNanos()).isGreaterThanOrEqualTo(600);
        long later = m.windowEndNanos() + 10 * (long) SECOND;
        assertThat(m.errorBoundNanos(later)).isGreaterThan(m.errorBoundNanos());
        // drift within (600 + 600) ns / 2 s = ±600 ppb: at most 6 µs more 10 s on
        assertThat(m.errorBoundNanos(later)).isLessThanOrEqualTo(m.errorBoundNanos() + 6_100);
        for (long t : new long[] {m.windowStartNanos() - (long) SECOND, mid, later}) {
            assertThat(m.offsetLowerNanos(t)).isLessThanOrEqualTo(700);
            assertThat(m.offsetUpperNanos(t)).isGreaterThanOrEqualTo(700);
        }
    }

    @Test
    void aHistoryMapsEachTimestampWithTheModelFittedAroundIt() {
        // the clock's offset steps from 1 µs to 9 µs at 30 s; rounds every second, 5 s windows
        SyntheticClock before = new SyntheticClock(1_000, 0, R0);
        SyntheticClock after = new SyntheticClock(9_000, 0, R0);
        ClockEstimator est = estimator(EstimatorSettings.defaults().withMinDriftSpan(Duration.ofHours(1)));
        ClockHistory history = new ClockHistory(1000);
        for (int r = 0; r < 60; r++) {
            est.addRound((r < 30 ? before : after).round(R0 + r * SECOND, 50, 5, 10_000, 600, 300, r));
            history.add(est.model().orElseThrow());
        }
        assertThat(history.size()).isEqualTo(60);
        long early = Math.round(before.host(R0 + 10.5 * SECOND));
        long late = Math.round(after.host(R0 + 50.5 * SECOND));
        assertThat(history.toReference(early)).isEqualTo(early - 1_000);
        assertThat(history.toReference(late)).isEqualTo(late - 9_000);
        // the newest model alone would map the early timestamp 8 µs wrong
        assertThat(est.model().orElseThrow().toReference(early)).isEqualTo(early - 9_000);
        assertThat(history.toReference(late + 3_600_000_000_000L)).isEqualTo(late + 3_600_000_000_000L - 9_000);
        ClockHistory small = new ClockHistory(2);
        history.at(early).ifPresent(small::add);
        history.at(late).ifPresent(small::add);
        history.at(late + 1).ifPresent(small::add);
        assertThat(small.size()).isEqualTo(2);
        assertThatThrownBy(() -> small.add(history.at(early).orElseThrow())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLongHistoryKeepsTheNewestModelsExactAndOlderOnesCompactWithABoundThatStillHolds() {
        SyntheticClock clock = new SyntheticClock(2_500, 40, R0);
        ClockEstimator est = estimator(EstimatorSettings.defaults());
        ClockHistory history = new ClockHistory(100_000);
        int rounds = ClockHistory.EXACT_KEPT + 50;
        for (int r = 0; r < rounds; r++) {
            est.addRound(clock.round(R0 + r * SECOND, 50, 5, 10_000, 600, 300, r));
            history.add(est.model().orElseThrow());
        }
        List<ClockModel> all = history.models();
        assertThat(all).hasSize(rounds);
        assertThat(all.subList(0, 50)).allSatisfy(m -> assertThat(m.bounds().constraints()).isZero());
        assertThat(all.subList(50, rounds)).allSatisfy(m -> assertThat(m.bounds().constraints()).isPositive());
        // an old model's bound is the one over its window: at least as wide as the exact one, and it holds
        for (int r = 5; r < 50; r += 7) {
            long t = Math.round(clock.host(R0 + (r + 0.5) * SECOND));
            ClockModel compact = history.at(t).orElseThrow();
            assertThat(compact.bounds().constraints()).isZero();
            double truth = clock.host(R0 + (r + 0.5) * SECOND) - (R0 + (r + 0.5) * SECOND);
            assertThat(Math.abs(compact.offsetAt(t) - truth)).isLessThanOrEqualTo(compact.errorBoundNanos(t));
            assertThat(compact.offsetLowerNanos(t)).isLessThanOrEqualTo(truth);
            assertThat(compact.offsetUpperNanos(t)).isGreaterThanOrEqualTo(truth);
        }
    }

    @Test
    void identityModelMapsNothing() {
        ClockModel m = ClockModel.identity("b", "a", "none");
        assertThat(m.toReference(123_456_789L)).isEqualTo(123_456_789L);
        assertThat(m.fromReference(123_456_789L)).isEqualTo(123_456_789L);
        assertThat(m.errorBoundNanos()).isZero();
    }
}
