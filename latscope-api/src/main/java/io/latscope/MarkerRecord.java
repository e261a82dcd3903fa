package io.latscope;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One sampled marker byte of a flow ({@code sequence} is its TCP sequence number) with
 * its timestamp at every probe point it crossed, in path order. {@code scope} names the
 * host or network namespace of the point; timestamps are that host's CLOCK_MONOTONIC
 * nanoseconds (cross-host records are mapped to the reference clock before storing).
 *
 * @param flow          the flow, in the direction of the data
 * @param sequence      the marker byte's TCP sequence number
 * @param retransmitted whether the byte was sent or received again
 * @param stamps        its stamps, in path order
 */
public record MarkerRecord(FlowKey flow, long sequence, boolean retransmitted, List<Stamp> stamps) {
    /**
     * The marker's stamp at one point.
     *
     * @param point where
     * @param scope the namespace or host of the point, or null
     * @param nanos that host's CLOCK_MONOTONIC, in nanoseconds
     */
    public record Stamp(Point point, String scope, long nanos) {
        /** Checks the point. */
        public Stamp {
            Objects.requireNonNull(point, "point");
        }
    }

    /** Copies the stamps. */
    public MarkerRecord {
        stamps = List.copyOf(stamps);
    }

    /**
     * The marker's stamp at one point (the first, when it crossed the point in several
     * namespaces).
     *
     * @param point a probe point
     * @return the marker's stamp there, if it has one
     */
    public Optional<Stamp> stamp(Point point) {
        return stamps.stream().filter(s -> s.point() == point).findFirst();
    }
}
