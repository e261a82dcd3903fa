package io.latscope.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offset and drift of one host's clock against the reference, from rounds of probes:
 * <ol>
 * <li>per round, drop probes whose send stamps may have come late: those taken further
 *     after their floors ({@link ProbeSample#slackNanos()}) than the round's best plus a
 *     margin (a stamp that the CPU took late makes the round trip look short, so the next
 *     step would prefer exactly those probes);</li>
 * <li>of the rest, keep the probes with the lowest round trips (queueing only ever adds
 *     delay, and adds it to one leg more often than to both, so a long round trip means
 *     an unknown asymmetry);</li>
 * <li>over a sliding window of rounds (at least the last two), fit a line {@code offset = a + b·(h − anchor)}
 *     through the kept probes by least squares, where {@code h} is the responder's time;</li>
 * <li>reject probes whose residual is far from the others' (median ± k scaled MADs) and
 *     fit again, until nothing changes;</li>
 * <li>keep the slope only when it is significant (more than three standard errors from
 *     zero); otherwise the offset is the mean of the kept probes and the drift 0;</li>
 * <li>optionally ({@link EstimatorSettings#envelope()}) take the offset instead from the lower
 *     envelope of each leg's one-way delays separately over the window, detrended by that
 *     drift, from the probes whose send stamp on that leg came soonest after its floor: under
 *     load one leg or the other queues in most probes, but each leg's fastest passage is still
 *     found;</li>
 * <li>hold line and error bound to what causality allows ({@link CausalBounds}): the line is
 *     moved inside the offsets every probe permits, and the error bound is the line's largest
 *     distance from their ends over the window — it holds whatever queued where, unlike a
 *     statistical spread of the kept probes.</li>
 * </ol>
 * What this cannot remove is a constant asymmetry between the two legs: every probe
 * carries it, so the stamp points must be mirror images (docs/sync.md); it lies within the
 * bound. Thread-safe.
 */
public final class ClockEstimator {
    /** Rounds the window keeps however old they are. */
    static final int MIN_ROUNDS = 2;
    /** Per round, the tightest causal constraint of each of this many stretches of it is kept. */
    static final int SLICES = 8;
    private static final Logger LOG = LoggerFactory.getLogger(ClockEstimator.class);

    private final String host;
    private final String reference;
    /** The latest round's method (how its probes were sent and stamped), carried into the models. */
    private String method;
    private final EstimatorSettings settings;
    private final ArrayDeque<Round> rounds = new ArrayDeque<>();

    /**
     * @param kept     for the fit: low slack, lowest round trips
     * @param request  for the request leg's envelope: low slack on that leg
     * @param reply    for the reply leg's envelope
     * @param causal   the probes whose causal constraints are the tightest of their stretch of the round
     */
    private record Round(List<ProbeSample> kept, List<ProbeSample> request, List<ProbeSample> reply,
                         List<ProbeSample> causal, int seen, double oldestNanos, double newestNanos) {
    }

    /**
     * An estimator with no rounds yet.
     *
     * @param host      the label of the host whose clock is estimated (the responder)
     * @param reference the label of the reference host (the initiator)
     * @param method    how the probes are stamped, e.g. {@code xdp two-step}; carried into the models
     * @param settings  filtering, window and bound settings
     */
    public ClockEstimator(String host, String reference, String method, EstimatorSettings settings) {
        this.host = host;
        this.reference = reference;
        this.method = method;
        this.settings = settings;
    }

    /**
     * Adds a round of answered probes; rounds that fell out of the fit window are dropped.
     *
     * @param samples the round's answered probes; an empty round is ignored
     */
    public synchronized void addRound(Collection<ProbeSample> samples) {
        addRound(samples, null);
    }

    /**
     * Adds a round of answered probes, measured by {@code method} (e.g. a round of a
     * two-step strategy that fell back to one-step stamps, or sent its probes by packet
     * socket): the models say how their latest round was measured.
     *
     * @param samples the round's answered probes; an empty round is ignored
     * @param method  the round's method, or null to keep the one given so far
     */
    public synchronized void addRound(Collection<ProbeSample> samples, String method) {
        if (samples.isEmpty()) {
            return;
        }
        if (method != null) {
            this.method = method;
        }
        List<ProbeSample> lowSlack = lowSlack(samples, settings.slackMarginNanos());
        List<ProbeSample> kept = lowestRtt(lowSlack, settings.keepFraction(), settings.minKeptPerRound());
        long legMargin = settings.legSlackMarginNanos();
        List<ProbeSample> request = legMargin < 0 ? lowSlack : lowSlack(samples, legMargin, s -> s.t1() - s.t1Floor());
        List<ProbeSample> reply = legMargin < 0 ? lowSlack : lowSlack(samples, legMargin, s -> s.t3() - s.t3Floor());
        double oldest = samples.stream().mapToDouble(ProbeSample::responderMidNanos).min().orElseThrow();
        double newest = samples.stream().mapToDouble(ProbeSample::responderMidNanos).max().orElseThrow();
        rounds.add(new Round(kept, request, reply, tightest(samples), samples.size(), oldest, newest));
        double latest = rounds.stream().mapToDouble(Round::newestNanos).max().orElseThrow();
        long window = settings.fitWindow().toNanos();
        // never fewer than MIN_ROUNDS: with rounds further apart than the window, drift stays fitted
        while (rounds.size() > MIN_ROUNDS && latest - rounds.peekFirst().newestNanos() > window) {
            rounds.removeFirst();
        }
    }

    /**
     * The causal bounds of the window's probes. Probes whose stamps contradict the others (no
     * steady line passes through them all: a clock that jumped, or stamps not taken where they
     * should be) are left out one at a time, the one in most contradictions first, with a warning.
     */
    private CausalBounds causal() {
        List<ProbeSample> c = new ArrayList<>(rounds.stream().flatMap(r -> r.causal().stream()).toList());
        CausalBounds b = CausalBounds.of(c, settings.maxDriftPpm());
        int dropped = 0;
        while (b == null && c.size() > 1) {
            c.remove(CausalBounds.mostContradicting(c, settings.maxDriftPpm()));
            dropped++;
            b = CausalBounds.of(c, settings.maxDriftPpm());
        }
        if (dropped > 0) {
            LOG.warn("clock sync of {}: {} probe(s) contradict the others by causality (a clock that jumped, or stamps"
                    + " not taken where they should be); bounding without them", host, dropped);
        }
        return b;
    }

    /** Forgets every round. */
    public synchronized void clear() {
        rounds.clear();
    }

    /**
     * The current model, fitted over the window's rounds on each call.
     *
     * @return the model, or empty before the first answered probe
     */
    public synchronized Optional<ClockModel> model() {
        List<ProbeSample> pts = new ArrayList<>();
        int seen = 0;
        for (Round r : rounds) {
            pts.addAll(r.kept());
            seen += r.seen();
        }
        if (pts.isEmpty()) {
            return Optional.empty();
        }
        Fit fit = fit(pts);
        for (int i = 0; i < 20; i++) {
            List<ProbeSample> inliers = inliers(pts, fit);
            if (inliers.size() == pts.size() || inliers.isEmpty()) {
                break;
            }
            pts = inliers;
            fit = fit(pts);
        }
        CausalBounds causal = causal();
        if (causal == null) {
            throw new IllegalStateException("clock sync of " + host + ": a probe contradicts itself by causality (it came"
                    + " back before it was sent): its stamps are not taken where they should be");
        }
        double anchor = fit.anchor;
        double drift = Math.clamp(fit.b, causal.driftMinPpb() * 1e-9, causal.driftMaxPpb() * 1e-9);
        double offset = settings.envelope() ? envelope(drift, anchor) : fit.a; // at the anchor (the centroid) a clamped slope leaves the fit's offset
        offset = Math.clamp(offset, causal.lowerNanos(anchor), causal.upperNanos(anchor));
        // the window is every round's span, whichever probes the fit kept: it never moves backwards
        double first = rounds.stream().mapToDouble(Round::oldestNanos).min().orElseThrow();
        double last = rounds.stream().mapToDouble(Round::newestNanos).max().orElseThrow();
        long start = (long) Math.floor(first), end = (long) Math.ceil(last);
        long bound = causal.maxDeviation(anchor, offset, drift, start, end);
        return Optional.of(new ClockModel(host, reference, method, fit.anchor, offset, drift * 1e9, bound,
                fit.seA, fit.seB * 1e9, pts.size(), seen, start, end, causal));
    }

    /**
     * The offset at {@code anchor} from the lower envelope of each leg's two-step one-way delays
     * over the window (after detrending by {@code drift}): half-way between the highest
     * {@code t3 − t4} and the lowest {@code t2 − t1}, each the k-th most extreme (k = 1 + 1 % of
     * the probes) so that one stray probe does not set it.
     */
    private double envelope(double drift, double anchor) {
        double[] hi = rounds.stream().flatMap(r -> r.request().stream())
                .mapToDouble(s -> (s.t2() - s.t1()) - drift * (s.t2() - anchor)).sorted().toArray();
        double[] lo = rounds.stream().flatMap(r -> r.reply().stream())
                .mapToDouble(s -> (s.t3() - s.t4()) - drift * (s.t3() - anchor)).sorted().toArray();
        // strays are rare per probe sent, so how many to pass over follows the window's probes, not the candidates
        int k = rounds.stream().mapToInt(Round::seen).sum() / 100;
        return (hi[Math.min(hi.length - 1, k)] + lo[lo.length - 1 - Math.min(lo.length - 1, k)]) / 2;
    }

    /** The probes of {@code samples} whose slack is within {@code margin} of the lowest. */
    static List<ProbeSample> lowSlack(Collection<ProbeSample> samples, long margin) {
        if (margin < 0) {
            return List.copyOf(samples);
        }
        return lowSlack(samples, margin, ProbeSample::slackNanos);
    }

    private static List<ProbeSample> lowSlack(Collection<ProbeSample> samples, long margin, ToLongFunction<ProbeSample> slack) {
        long best = samples.stream().mapToLong(slack).min().orElseThrow();
        return samples.stream().filter(s -> slack.applyAsLong(s) - best <= margin).toList();
    }

    /** Per stretch of the round (by seq), the probes with the highest lower and the lowest upper bound. */
    private static List<ProbeSample> tightest(Collection<ProbeSample> samples) {
        List<ProbeSample> bySeq = samples.stream().sorted(Comparator.comparingLong(ProbeSample::seq)).toList();
        int n = bySeq.size();
        if (n <= 2 * SLICES) {
            return bySeq;
        }
        List<ProbeSample> out = new ArrayList<>();
        for (int k = 0; k < SLICES; k++) {
            List<ProbeSample> slice = bySeq.subList(k * n / SLICES, (k + 1) * n / SLICES);
            ProbeSample lo = slice.stream().max(Comparator.comparingLong(ProbeSample::lowerBoundNanos)).orElseThrow();
            ProbeSample hi = slice.stream().min(Comparator.comparingLong(ProbeSample::upperBoundNanos)).orElseThrow();
            out.add(lo);
            if (hi != lo) {
                out.add(hi);
            }
        }
        return out;
    }

    /**
     * The {@code fraction} of {@code samples} with the lowest round trips, at least {@code min}, in seq order.
     *
     * @param samples  probes of one round
     * @param fraction share to keep, 0 to 1
     * @param min      fewest to keep (all of them when there are fewer)
     * @return the kept probes, ordered by sequence number
     */
    public static List<ProbeSample> lowestRtt(Collection<ProbeSample> samples, double fraction, int min) {
        int n = Math.min(samples.size(), Math.max(min, (int) Math.ceil(fraction * samples.size())));
        return samples.stream().sorted(Comparator.comparingLong(ProbeSample::rttNanos).thenComparingLong(ProbeSample::seq))
                .limit(n).sorted(Comparator.comparingLong(ProbeSample::seq)).toList();
    }

    // ---- least squares ---------------------------------------------------------

    /** offset = a + b·(h − anchor); standard errors seA, seB (0 where undetermined). */
    private record Fit(long anchor, double a, double b, double seA, double seB) {
        double residual(ProbeSample s) {
            return s.offsetNanos() - (a + b * (s.responderMidNanos() - anchor));
        }
    }

    private Fit fit(List<ProbeSample> pts) {
        int n = pts.size();
        // x in half nanoseconds relative to the first probe, re-centred on an integer anchor near
        // the mean: integers and half-integers, so sums stay exact
        ProbeSample first = pts.getFirst();
        double[] x = new double[n];
        double[] y = new double[n];
        double sx = 0;
        for (int i = 0; i < n; i++) {
            ProbeSample s = pts.get(i);
            x[i] = ((s.t2() - first.t2()) + (double) (s.t3() - first.t3())) / 2;
            y[i] = s.offsetNanos();
            sx += x[i];
        }
        long shift = Math.round(sx / n);
        long anchor = first.t2() + Math.floorDiv(first.t3() - first.t2(), 2) + shift;
        double base = (first.t3() - first.t2()) % 2 == 0 ? 0 : 0.5;
        double sy = 0, xs = 0, min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            x[i] = x[i] - shift + base;
            xs += x[i];
            sy += y[i];
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        double xm = xs / n, ym = sy / n;
        double sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - xm) * (x[i] - xm);
            sxy += (x[i] - xm) * (y[i] - ym);
        }
        boolean drift = n >= 3 && sxx > 0 && max - min >= settings.minDriftSpan().toNanos();
        Fit f = line(anchor, x, y, xm, ym, sxx, sxy, drift);
        // a slope within three standard errors of zero is noise (clocks of one machine, or
        // few probes under load): fitted anyway it moved estimates by ~1 us within seconds.
        // Its standard error stays, so the error bound still grows away from the window.
        if (drift && Math.abs(f.b()) < 3 * f.seB()) {
            Fit flat = line(anchor, x, y, xm, ym, sxx, sxy, false);
            f = new Fit(anchor, flat.a(), 0, flat.seA(), f.seB());
        }
        return f;
    }

    private static Fit line(long anchor, double[] x, double[] y, double xm, double ym, double sxx, double sxy,
                            boolean drift) {
        int n = x.length;
        double b = drift ? sxy / sxx : 0;
        double a = drift ? ym - b * xm : ym;
        int params = drift ? 2 : 1;
        double sse = 0;
        for (int i = 0; i < n; i++) {
            double r = y[i] - (a + b * x[i]);
            sse += r * r;
        }
        double sigma = n > params ? Math.sqrt(sse / (n - params)) : 0;
        double seA = drift ? sigma * Math.sqrt(1.0 / n + xm * xm / sxx) : sigma / Math.sqrt(n);
        double seB = drift ? sigma / Math.sqrt(sxx) : 0;
        return new Fit(anchor, a, b, seA, seB);
    }

    private List<ProbeSample> inliers(List<ProbeSample> pts, Fit fit) {
        double[] r = new double[pts.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = fit.residual(pts.get(i));
        }
        double med = median(r.clone());
        double[] dev = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            dev[i] = Math.abs(r[i] - med);
        }
        double threshold = Math.max(settings.outlierFloorNanos(), settings.outlierMads() * 1.4826 * median(dev));
        List<ProbeSample> out = new ArrayList<>(pts.size());
        for (int i = 0; i < r.length; i++) {
            if (Math.abs(r[i] - med) <= threshold) {
                out.add(pts.get(i));
            }
        }
        return out;
    }

    static double median(double[] v) {
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    @Override
    public synchronized String toString() {
        return "ClockEstimator[" + host + " vs " + reference + ", " + rounds.size() + " rounds in window]";
    }
}
