package io.latscope;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a session is getting everything its hosts measure: {@link State#LIVE} when it is,
 * {@link State#DEGRADED} while data is held up somewhere (Redis unreachable, a host silent,
 * the result store away) and may still arrive, {@link State#LOST} once records are gone for
 * good (a host's outage outlasted its budget, an agent died) — with what each host lost.
 * LOST stays LOST; its {@link #causes()} still say what is wrong now. Plain data, printable.
 *
 * <pre>{@code
 * SessionHealth h = session.health();
 * if (h.state() != SessionHealth.State.LIVE) log.warn("{}", h);
 * }</pre>
 *
 * @param state  the state
 * @param since  when the session entered it
 * @param causes what is wrong now, one line each; empty when nothing is
 * @param lost   what each host lost for good, by host label; empty unless {@link State#LOST}
 */
public record SessionHealth(State state, Instant since, List<String> causes, Map<String, Loss> lost) {

    /** How complete a session's data is. */
    public enum State {
        /** Every host's records arrive. */
        LIVE,
        /** Records are held up (and buffered where they were made); the data may still become whole. */
        DEGRADED,
        /** Records are gone for good; {@link #lost()} counts them per host. */
        LOST
    }

    /**
     * What one host lost for good.
     *
     * @param records     agent records that never reached the controller (intervals and marker batches)
     * @param intervals   of those, interval reports (each a host's in-host hops for one interval)
     * @param markerParts marker parts in the lost marker batches (markers that could not be joined across hosts)
     * @param reason      why, e.g. {@code Redis unreachable beyond the 5 min outage budget}
     */
    public record Loss(long records, long intervals, long markerParts, String reason) {
        /** Checks the counts. */
        public Loss {
            if (records < 0 || intervals < 0 || markerParts < 0) {
                throw new IllegalArgumentException("negative loss counts");
            }
            Objects.requireNonNull(reason, "reason");
        }

        /**
         * Adds up two losses of one host.
         *
         * @param other more of the same host's losses
         * @return both added up (the reasons joined when they differ)
         */
        public Loss plus(Loss other) {
            return new Loss(records + other.records, intervals + other.intervals, markerParts + other.markerParts,
                    reason.equals(other.reason) || other.reason.isEmpty() ? reason
                            : reason.isEmpty() ? other.reason : reason + "; " + other.reason);
        }

        @Override
        public String toString() {
            if (records == 0) {
                return reason;
            }
            return records + " records (" + intervals + " intervals, " + (records - intervals) + " marker batches of "
                    + markerParts + " marker parts)" + (reason.isEmpty() ? "" : ": " + reason);
        }
    }

    /** Copies the collections; the state must agree with them. */
    public SessionHealth {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        causes = List.copyOf(causes);
        lost = Collections.unmodifiableMap(new LinkedHashMap<>(lost));
        if ((state == State.LOST) != !lost.isEmpty()) {
            throw new IllegalArgumentException("a session is LOST exactly when something was lost");
        }
        if (state == State.DEGRADED && causes.isEmpty()) {
            throw new IllegalArgumentException("DEGRADED needs a cause");
        }
    }

    /**
     * The health of a session with nothing held up or lost.
     *
     * @param since when the session became live
     * @return a live session's health
     */
    public static SessionHealth live(Instant since) {
        return new SessionHealth(State.LIVE, since, List.of(), Map.of());
    }

    /**
     * The state that follows from what is wrong now and what was lost: LOST when anything
     * was, else DEGRADED when anything is wrong, else LIVE.
     *
     * @param since  when that state began
     * @param causes what is wrong now
     * @param lost   what each host lost for good
     * @return the health
     */
    public static SessionHealth of(Instant since, List<String> causes, Map<String, Loss> lost) {
        State s = !lost.isEmpty() ? State.LOST : !causes.isEmpty() ? State.DEGRADED : State.LIVE;
        return new SessionHealth(s, since, causes, lost);
    }

    /**
     * Whether the session is whole.
     *
     * @return true when every record arrived and none is held up
     */
    public boolean isLive() {
        return state == State.LIVE;
    }

    /**
     * Records lost for good.
     *
     * @return their number, over every host
     */
    public long lostRecords() {
        return lost.values().stream().mapToLong(Loss::records).sum();
    }

    /**
     * What a report built while the session was in this state lacks, as reports print it.
     *
     * @return empty when LIVE; else the warning for a DEGRADED or LOST session
     */
    public Optional<String> warning() {
        return switch (state) {
            case LIVE -> Optional.empty();
            case DEGRADED -> Optional.of("records are held up, not lost: this report lacks them until they arrive");
            case LOST -> Optional.of("records were lost for good (counted above): every hop of the hosts named lacks their"
                    + " samples");
        };
    }

    /** @return one line for a report or a log: the state, since when, and why */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("session health: ").append(state);
        if (state != State.LIVE) {
            b.append(" since ").append(since);
        }
        List<String> parts = new ArrayList<>();
        lost.forEach((host, l) -> parts.add(host + " lost " + l));
        parts.addAll(causes);
        if (!parts.isEmpty()) {
            b.append(": ").append(String.join("; ", parts));
        }
        return b.toString();
    }
}
