package io.latscope.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Offset and drift of one host's clock against the reference, from rounds of probes:
 * <ol>
 * <li>per round, keep the probes with the lowest round trips (queueing only ever adds
 *     delay, and adds it to one leg more often than to both, so a long round trip means
 *     an unknown asymmetry);</li>
 * <li>over a sliding window of rounds (at least the last two), fit a line {@code offset = a + b·(h − anchor)}
 *     through the kept probes by least squares, where {@code h} is the responder's time;</li>
 * <li>reject probes whose residual is far from the others' (median ± k scaled MADs) and
 *     fit again, until nothing changes;</li>
 * <li>keep the slope only when it is significant (more than three standard errors from
 *     zero); otherwise the offset is the mean of the kept probes and the drift 0.</li>
 * </ol>
 * What this cannot remove is a constant asymmetry between the two legs: every probe
 * carries it, so the stamp points must be mirror images (docs/sync.md). Thread-safe.
 */
public final class ClockEstimator {
    /** Rounds the window keeps however old they are. */
    static final int MIN_ROUNDS = 2;

    private final String host;
    private final String reference;
    private final String method;
    private final EstimatorSettings settings;
    private final ArrayDeque<Round> rounds = new ArrayDeque<>();

    private record Round(List<ProbeSample> kept, int seen, double newestNanos) {
    }

    public ClockEstimator(String host, String reference, String method, EstimatorSettings settings) {
        this.host = host;
        this.reference = reference;
        this.method = method;
        this.settings = settings;
    }

    /** Adds a round of answered probes; rounds that fell out of the fit window are dropped. */
    public synchronized void addRound(Collection<ProbeSample> samples) {
        if (samples.isEmpty()) {
            return;
        }
        List<ProbeSample> kept = lowestRtt(samples, settings.keepFraction(), settings.minKeptPerRound());
        double newest = samples.stream().mapToDouble(ProbeSample::responderMidNanos).max().orElseThrow();
        rounds.add(new Round(kept, samples.size(), newest));
        double latest = rounds.stream().mapToDouble(Round::newestNanos).max().orElseThrow();
        long window = settings.fitWindow().toNanos();
        // never fewer than MIN_ROUNDS: with rounds further apart than the window, drift stays fitted
        while (rounds.size() > MIN_ROUNDS && latest - rounds.peekFirst().newestNanos() > window) {
            rounds.removeFirst();
        }
    }

    /** Forgets every round. */
    public synchronized void clear() {
        rounds.clear();
    }

    /** The current model, or empty before the first answered probe. */
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
        long bound = Long.MAX_VALUE;
        for (ProbeSample s : pts) {
            double b = s.rttNanos() / 2.0 + Math.abs(fit.residual(s));
            bound = Math.min(bound, (long) Math.ceil(b));
        }
        double first = pts.stream().mapToDouble(ProbeSample::responderMidNanos).min().orElseThrow();
        double last = pts.stream().mapToDouble(ProbeSample::responderMidNanos).max().orElseThrow();
        return Optional.of(new ClockModel(host, reference, method, fit.anchor, fit.a, fit.b * 1e9, bound,
                fit.seA, fit.seB * 1e9, pts.size(), seen, (long) Math.floor(first), (long) Math.ceil(last)));
    }

    /** The {@code fraction} of {@code samples} with the lowest round trips, at least {@code min}, in seq order. */
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
