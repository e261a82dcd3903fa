package io.latscope.store;

import io.latscope.FlowKey;

import java.util.List;

/**
 * One sampled marker byte of a flow ({@code sequence} is its TCP sequence number) with
 * its timestamp at every probe point it crossed, in path order. {@code scope} names the
 * host or network namespace of the point; timestamps are that host's CLOCK_MONOTONIC
 * nanoseconds (cross-host records are mapped to the reference clock before storing).
 */
public record MarkerRecord(FlowKey flow, long sequence, boolean retransmitted, List<Stamp> stamps) {
    public record Stamp(String point, String scope, long nanos) {
    }

    public MarkerRecord {
        stamps = List.copyOf(stamps);
    }
}
