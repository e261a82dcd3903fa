package io.latscope.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every model one host had during a session, so a timestamp from any time of the session
 * is mapped by the model fitted around that time rather than by today's line
 * extrapolated back (a clock's frequency wanders). Thread-safe; keeps the newest
 * {@code capacity} models.
 */
public final class ClockHistory {
    private final int capacity;
    private final List<ClockModel> models = new ArrayList<>(); // by windowEndNanos, ascending

    public ClockHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    /** Adds the newest model (its window ends after the previous one's). */
    public synchronized void add(ClockModel m) {
        if (!models.isEmpty() && m.windowEndNanos() < models.getLast().windowEndNanos()) {
            throw new IllegalArgumentException("models must be added in time order");
        }
        models.add(m);
        if (models.size() > capacity) {
            models.removeFirst();
        }
    }

    /**
     * The model for a host timestamp: the first whose fit window ends at or after it (it
     * was fitted over probes around that time), or the newest for later timestamps.
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

    /** Maps a host timestamp from any time of the session to the reference clock. */
    public long toReference(long localNanos) {
        return at(localNanos).orElseThrow(() -> new IllegalStateException("no clock model yet")).toReference(localNanos);
    }

    public synchronized int size() {
        return models.size();
    }
}
