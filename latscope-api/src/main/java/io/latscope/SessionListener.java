package io.latscope;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Called by a live session as it measures; registered when the session starts
 * ({@link SessionSpec#start(SessionListener)}), so it is not part of the spec. Methods run
 * on LatScope's own threads: keep them quick and never block.
 */
@FunctionalInterface
public interface SessionListener {
    /** A listener that does nothing. */
    SessionListener NONE = (IntervalsOnly) interval -> {
    };

    /**
     * A marker finished: every hop it made, and END_TO_END where both ends were seen.
     *
     * @param path the marker's journey
     */
    void onMarker(MarkerPath path);

    /**
     * An interval closed: what was measured during it ({@link LatencyReport#isInterval()}),
     * every {@link SessionSpec#interval()} and once more when the session closes. The same
     * reports go to the session's store, if it has one (before they reach the listener). Does
     * nothing unless overridden.
     * <p>
     * A listener may end the session from here ({@link LatScopeSession#close()}, say after
     * enough intervals): the close then runs on this thread, stores the last interval and the
     * session's end, and calls this method once more with that last interval; a close() called
     * from that call returns at once.
     *
     * @param interval the interval's report
     */
    default void onInterval(LatencyReport interval) {
    }

    /**
     * Whether this listener looks at markers at all.
     *
     * @return false when {@link #onMarker} does nothing, so the engine builds no
     *         {@link MarkerPath} per marker for it
     */
    default boolean wantsMarkers() {
        return true;
    }

    /**
     * A listener of interval reports only.
     *
     * @param action called with each interval report
     * @return the listener
     */
    static SessionListener ofIntervals(Consumer<LatencyReport> action) {
        Objects.requireNonNull(action, "action");
        return (IntervalsOnly) action::accept;
    }

    /**
     * Both listeners, in order.
     *
     * @param first  called first
     * @param second called second
     * @return a listener that calls both
     */
    static SessionListener both(SessionListener first, SessionListener second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        return new SessionListener() {
            @Override
            public void onMarker(MarkerPath path) {
                if (first.wantsMarkers()) {
                    first.onMarker(path);
                }
                if (second.wantsMarkers()) {
                    second.onMarker(path);
                }
            }

            @Override
            public void onInterval(LatencyReport interval) {
                first.onInterval(interval);
                second.onInterval(interval);
            }

            @Override
            public boolean wantsMarkers() {
                return first.wantsMarkers() || second.wantsMarkers();
            }
        };
    }

    /**
     * A listener of interval reports only: {@link #onMarker} does nothing and no
     * {@link MarkerPath} is built for it ({@link #wantsMarkers()} is false).
     */
    @FunctionalInterface
    interface IntervalsOnly extends SessionListener {
        @Override
        default void onMarker(MarkerPath path) {
        }

        @Override
        default boolean wantsMarkers() {
            return false;
        }

        @Override
        void onInterval(LatencyReport interval);
    }
}
