package io.latscope.bench;

import io.latscope.bench.SyncRecording.Schedule;
import io.latscope.bench.SyncRecording.Segment;
import io.latscope.sync.ClockEstimator;
import io.latscope.sync.ClockModel;
import io.latscope.sync.EstimatorSettings;
import io.latscope.sync.ProbeSample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What each step of the clock-sync estimator buys, from one controlled comparison: raw probe
 * rounds are recorded once ({@link SyncRecording}: quiet, a saturating flow a→b, b→a, each flow
 * again with two-step stamps made late on purpose; rounds sent as one burst or spread over the
 * interval, interleaved live) and replayed through every
 * estimator variant, each fed the identical probes round by round as {@code ClockSync} feeds
 * them. The true offset is 0, so every model's offset is its error; its stated bound must
 * contain 0.
 *
 * <p>Arguments: {@code [recording.csv] [reps] [secondsPerSegment]}: replays the file when it
 * exists; otherwise records {@code reps} (default 3) × 5 conditions × 2 schedules ×
 * {@code secondsPerSegment} (default 12) into it (default bench/target/sync-rounds.csv) first.
 */
public final class SyncAblationBench {
    /** Huygens-style pair filter: a consecutive pair whose spacing changed by more than this on a leg was queued. */
    private static final long PAIR_EPSILON_NANOS = 100;

    private SyncAblationBench() {
    }

    /** An estimator variant: how rounds are prepared, the settings, and how the stated bound is taken. */
    record Variant(String name, Function<List<ProbeSample>, List<ProbeSample>> prepare, EstimatorSettings settings,
                   boolean statisticalBound) {
    }

    public static void main(String[] args) {
        Path file = Path.of(args.length > 0 ? args[0] : "bench/target/sync-rounds.csv");
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        List<Segment> segments;
        if (Files.exists(file)) {
            segments = SyncRecording.load(file);
        } else {
            segments = SyncRecording.record(reps, seconds, List.of(Schedule.of(1), Schedule.of(8)));
            SyncRecording.save(file, segments);
        }
        EstimatorSettings before = new EstimatorSettings(0.1, 1, Duration.ofSeconds(5), 4.0, 5, Duration.ofMillis(500));
        List<Variant> variants = List.of(
                new Variant("min-RTT line, half-RTT bound (before)", r -> r, before, true),
                new Variant("+ causal bound (floors)", r -> r, before, false),
                new Variant("+ late-stamp filter", r -> r, before.withSlackMarginNanos(300), false),
                new Variant("+ per-leg envelope", r -> r, EstimatorSettings.defaults().withLegSlackMarginNanos(-1), false),
                new Variant("+ per-leg late-stamp filter (default)", r -> r, EstimatorSettings.defaults(), false),
                new Variant("+ coded pairs (Huygens filter, ±100 ns)", SyncAblationBench::codedPairs,
                        EstimatorSettings.defaults(), false));
        Bench.header(Bench.fmt("Clock sync ablation: %d recorded segments replayed through each estimator variant"
                + " (two namespaces, true offset 0; every model after every round)", segments.size()));
        System.out.println("| condition | schedule | variant | models | median \\|error\\| ns | p99 \\|error\\| ns "
                + "| bound median ns | bound contains truth |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        Map<String, List<Segment>> groups = new LinkedHashMap<>();
        for (Segment s : segments.stream().sorted(Comparator.comparing(Segment::condition, Comparator.comparingInt(
                SyncRecording.CONDITIONS::indexOf)).thenComparing(Segment::schedule)).toList()) {
            groups.computeIfAbsent(s.condition() + " | " + s.schedule(), k -> new ArrayList<>()).add(s);
        }
        groups.forEach((group, segs) -> {
            for (Variant v : variants) {
                List<double[]> est = new ArrayList<>(); // {offset, bound}
                for (Segment s : segs) {
                    est.addAll(replay(s, v));
                }
                row(group, v.name(), est);
            }
            List<double[]> hull = new ArrayList<>();
            for (Segment s : segs) {
                hull.addAll(hullCentre(s));
            }
            row(group, "lower-envelope hull centre (two-step stamps)", hull);
        });
        System.out.println();
        Bench.header("Where the default's bound is set: the bound at the window's start, anchor and end (medians, ns)");
        System.out.println("| condition | schedule | window start | anchor | window end | whole window (stated) |");
        System.out.println("|---|---|---|---|---|---|");
        groups.forEach((group, segs) -> {
            List<double[]> at = new ArrayList<>();
            for (Segment s : segs) {
                ClockEstimator e = new ClockEstimator("b", "a", "replay", EstimatorSettings.defaults());
                for (List<ProbeSample> round : s.rounds()) {
                    e.addRound(round);
                    e.model().ifPresent(m -> at.add(new double[] {m.errorBoundNanos(m.windowStartNanos()),
                            m.errorBoundNanos(m.anchorNanos()), m.errorBoundNanos(m.windowEndNanos()), m.errorBoundNanos()}));
                }
            }
            String[] gs = group.split(" \\| ");
            System.out.println(Bench.fmt("| %s | %s | %.0f | %.0f | %.0f | %.0f |", gs[0], gs[1], med(at, 0), med(at, 1),
                    med(at, 2), med(at, 3)));
        });
    }

    private static double med(List<double[]> v, int i) {
        return Bench.median(v.stream().mapToDouble(a -> a[i]).toArray());
    }

    private static void row(String group, String variant, List<double[]> est) {
        String[] gs = group.split(" \\| ");
        double[] err = est.stream().mapToDouble(e -> Math.abs(e[0])).toArray();
        double[] bound = est.stream().mapToDouble(e -> e[1]).toArray();
        long contained = est.stream().filter(e -> Math.abs(e[0]) <= e[1]).count();
        boolean noBound = est.stream().allMatch(e -> Double.isNaN(e[1]));
        System.out.println(Bench.fmt("| %s | %s | %s | %d | %.0f | %.0f | %s | %s |", gs[0], gs[1], variant, est.size(),
                Bench.median(err), SyncAccuracyBench.percentile(err, 99), noBound ? "–" : Bench.fmt("%.0f", Bench.median(bound)),
                noBound ? "–" : Bench.fmt("%.1f %%", 100.0 * contained / est.size())));
    }

    /** Every model the variant publishes over the segment, round by round: {offset, stated bound}. */
    static List<double[]> replay(Segment s, Variant v) {
        ClockEstimator e = new ClockEstimator("b", "a", "replay", v.settings());
        List<double[]> out = new ArrayList<>();
        List<List<ProbeSample>> seen = new ArrayList<>();
        for (List<ProbeSample> round : s.rounds()) {
            List<ProbeSample> r = v.prepare().apply(round);
            seen.add(r);
            e.addRound(r);
            e.model().ifPresent(m -> out.add(new double[] {m.offsetNanos(),
                    v.statisticalBound() ? halfRttBound(m, seen, v.settings()) : m.errorBoundNanos()}));
        }
        return out;
    }

    /**
     * The bound before causality: the smallest half round trip plus residual among the lowest
     * round trips of the window's rounds (what ClockEstimator stated until issue 19).
     */
    static double halfRttBound(ClockModel m, List<List<ProbeSample>> rounds, EstimatorSettings st) {
        double best = Double.MAX_VALUE;
        for (List<ProbeSample> r : rounds) {
            for (ProbeSample p : ClockEstimator.lowestRtt(r, st.keepFraction(), st.minKeptPerRound())) {
                if (p.responderMidNanos() >= m.windowStartNanos() && p.responderMidNanos() <= m.windowEndNanos()) {
                    best = Math.min(best, p.rttNanos() / 2.0 + Math.abs(p.offsetNanos() - m.offsetAt(Math.round(p.responderMidNanos()))));
                }
            }
        }
        return Math.ceil(best);
    }

    /**
     * Huygens' coded probes: of two consecutive probes, the second left shortly after the first;
     * if a leg's spacing arrived unchanged, neither was queued on it differently. Keeps the probes
     * of pairs whose spacing survived both legs within {@link #PAIR_EPSILON_NANOS}.
     */
    static List<ProbeSample> codedPairs(List<ProbeSample> round) {
        List<ProbeSample> bySeq = round.stream().sorted(Comparator.comparingLong(ProbeSample::seq)).toList();
        boolean[] keep = new boolean[bySeq.size()];
        for (int i = 1; i < bySeq.size(); i++) {
            ProbeSample a = bySeq.get(i - 1), b = bySeq.get(i);
            if (b.seq() != a.seq() + 1) {
                continue;
            }
            long fwd = (b.t2() - a.t2()) - (b.t1() - a.t1());
            long back = (b.t4() - a.t4()) - (b.t3() - a.t3());
            if (Math.abs(fwd) <= PAIR_EPSILON_NANOS && Math.abs(back) <= PAIR_EPSILON_NANOS) {
                keep[i - 1] = keep[i] = true;
            }
        }
        List<ProbeSample> out = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                out.add(bySeq.get(i));
            }
        }
        return out;
    }

    /**
     * A lower-envelope (convex-hull) fit instead of quantiles: the lines that pass between every
     * low-slack probe's two-step {@code t3 − t4} and {@code t2 − t1} (causal bounds computed from
     * the two-step stamps instead of the floors), and the centre of what they allow at the anchor.
     */
    static List<double[]> hullCentre(Segment s) {
        EstimatorSettings d = EstimatorSettings.defaults();
        ClockEstimator e = new ClockEstimator("b", "a", "replay", d);
        List<double[]> out = new ArrayList<>();
        for (List<ProbeSample> round : s.rounds()) {
            if (round.isEmpty()) {
                continue;
            }
            long best = round.stream().mapToLong(ProbeSample::slackNanos).min().orElseThrow();
            e.addRound(round.stream().filter(p -> p.slackNanos() - best <= d.slackMarginNanos())
                    .map(p -> new ProbeSample(p.seq(), p.t1(), p.t2(), p.t3(), p.t4())).toList());
            try {
                e.model().ifPresent(m -> out.add(new double[] {(m.bounds().lowerNanos(m.anchorNanos())
                        + m.bounds().upperNanos(m.anchorNanos())) / 2, Double.NaN}));
            } catch (IllegalStateException contradiction) {
                // a probe whose two-step legs add up to less than nothing: no hull this round
            }
        }
        return out;
    }
}
