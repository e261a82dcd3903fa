package io.latscope.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every model a {@link ClockSync} published for some hosts during a stretch of time. The hosts
 * are namespaces of one machine and share its clock, so the true offset is 0: a model's offset
 * is its error, and its stated bound must contain 0.
 */
record PublishedModels(List<ClockModel> models, int inHistory) {

    /** Polls {@code sync} every 20 ms for {@code period} and keeps every new model of {@code hosts}. */
    static PublishedModels collect(ClockSync sync, List<String> hosts, Duration period) {
        List<ClockModel> seen = new ArrayList<>();
        ClockModel[] last = new ClockModel[hosts.size()];
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            for (int i = 0; i < last.length; i++) {
                ClockModel m = sync.model(hosts.get(i));
                if (m != last[i]) {
                    seen.add(m);
                    last[i] = m;
                }
            }
            IperfFlow.sleep(20);
        }
        int inHistory = 0;
        for (String h : hosts) {
            List<ClockModel> history = sync.history(h).models();
            inHistory += (int) seen.stream().filter(m -> m.host().equals(h) && history.contains(m)).count();
        }
        return new PublishedModels(List.copyOf(seen), inHistory);
    }

    /**
     * The models stating a bound of at most {@code boundNanos}. Its history count is right when
     * every model was in the history (check that on this set first).
     */
    PublishedModels tighterThan(long boundNanos) {
        List<ClockModel> kept = models.stream().filter(m -> m.errorBoundNanos() <= boundNanos).toList();
        return new PublishedModels(kept, inHistory - (models.size() - kept.size()));
    }

    double containedFraction() {
        return models.stream().filter(m -> Math.abs(m.offsetNanos()) <= m.errorBoundNanos()).count() / (double) models.size();
    }

    double medianAbsError() {
        return percentile(models.stream().mapToDouble(m -> Math.abs(m.offsetNanos())).toArray(), 50);
    }

    double p99AbsError() {
        return percentile(models.stream().mapToDouble(m -> Math.abs(m.offsetNanos())).toArray(), 99);
    }

    double medianBound() {
        return percentile(models.stream().mapToDouble(ClockModel::errorBoundNanos).toArray(), 50);
    }

    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return ErrorStats.percentile(s, p);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d models: |error| median %.0f ns, p99 %.0f ns; bound median %.0f ns; bound"
                        + " contains the truth in %.0f %%; %d in the history%n    %s", models.size(), medianAbsError(),
                p99AbsError(), medianBound(), 100 * containedFraction(), inHistory, models.stream().map(m -> String.format(
                        Locale.ROOT, "%s %+.0f±%d (%+.2f ppm)", m.host(), m.offsetNanos(), m.errorBoundNanos(),
                        m.driftPpb() / 1000)).toList());
    }
}
