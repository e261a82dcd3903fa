package io.latscope.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every model one host had during a session, so a timestamp from any time of the session
 * is mapped by the model fitted around that time rather than by today's line
 * extrapolated back (a clock's frequency wanders). Thread-safe; keeps the newest
 * {@code capacity} models. The newest {@value #EXACT_KEPT} keep their window's causal
 * constraints (a bound exact at each instant); older ones keep only the bound over their
 * window, which is wider but still holds, so a day of models at one a second takes tens of
 * megabytes rather than gigabytes.
 */
public final class ClockHistory {
    /** How many of the newest models keep their constraints: ten minutes at one model a second. */
    static final int EXACT_KEPT = 600;
    private final int capacity;
    private final List<ClockModel> models = new ArrayList<>(); // by windowEndNanos, ascending

    /**
     * An empty history.
     *
     * @param capacity the most models kept; the oldest go first
     * @throws IllegalArgumentException when below 1
     */
    public ClockHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    /**
     * Adds the newest model (its window ends after the previous one's).
     *
     * @param m a model of the same host
     * @throws IllegalArgumentException when its window ends before the previous model's
     */
    public synchronized void add(ClockModel m) {
        if (!models.isEmpty() && m.windowEndNanos() < models.getLast().windowEndNanos()) {
            throw new IllegalArgumentException("models must be added in time order");
        }
        models.add(m);
        if (models.size() > capacity) {
            models.removeFirst();
        }
        int aged = models.size() - 1 - EXACT_KEPT;
        if (aged >= 0) {
            models.set(aged, models.get(aged).withoutConstraints());
        }
    }

    /**
     * The model for a host timestamp: the first whose fit window ends at or after it (it
     * was fitted over probes around that time), or the newest for later timestamps.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return the model; empty before the first was added
     */
    public synchronized Optional<ClockModel> at(long localNanos) {
        if (models.isEmpty()) {
            return Optional.empty();
        }
        int lo = 0, hi = models.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (models.get(mid).windowEndNanos() >= localNanos) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return Optional.of(models.get(lo));
    }

    /**
     * Maps a host timestamp from any time of the session to the reference clock.
     *
     * @param localNanos a CLOCK_MONOTONIC timestamp of the host
     * @return the same instant on the reference's CLOCK_MONOTONIC, in nanoseconds
     * @throws IllegalStateException when no model was added yet
     */
    public long toReference(long localNanos) {
        return at(localNanos).orElseThrow(() -> new IllegalStateException("no clock model yet")).toReference(localNanos);
    }

    /**
     * Every model kept, oldest first.
     *
     * @return a copy; empty before the first was added
     */
    public synchronized List<ClockModel> models() {
        return List.copyOf(models);
    }

    /**
     * How many models are kept.
     *
     * @return at most the capacity
     */
    public synchronized int size() {
        return models.size();
    }
}
