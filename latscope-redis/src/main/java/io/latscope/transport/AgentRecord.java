package io.latscope.transport;

import io.latscope.LatencyReport;

import java.util.List;
import java.util.Map;

/** What an agent sends its controller, in order, each numbered by the agent. */
public sealed interface AgentRecord {
    /**
     * The agent is up and measuring: what it could attach and what not, and when its last
     * probe was attached ({@code armedNanos}, the host's CLOCK_MONOTONIC; {@link #UNKNOWN_ARM}
     * from an agent that does not say).
     */
    record Hello(String host, long netnsInode, String kernel, Map<String, String> unavailable,
                 Map<String, String> socketBoundaries, long armedNanos) implements AgentRecord {
        /** {@code armedNanos} of an agent that did not say when it was armed. */
        public static final long UNKNOWN_ARM = Long.MIN_VALUE;

        /** A hello without the arm time. */
        public Hello(String host, long netnsInode, String kernel, Map<String, String> unavailable,
                     Map<String, String> socketBoundaries) {
            this(host, netnsInode, kernel, unavailable, socketBoundaries, UNKNOWN_ARM);
        }
    }

    /** One interval's in-host hops, counters, probe costs, flows and processes. */
    record Interval(LatencyReport report) implements AgentRecord {
    }

    /** Markers whose path crossed this host's edge, for the cross-host join. */
    record Markers(List<MarkerPart> parts) implements AgentRecord {
    }

    /**
     * Records the agent made but could not keep (an outage beyond its budget, a full buffer),
     * counted since its previous note: they will never arrive.
     *
     * @param records     records dropped
     * @param intervals   of those, interval reports
     * @param markerParts marker parts in the dropped marker batches
     * @param reason      why
     */
    record Lost(long records, long intervals, long markerParts, String reason) implements AgentRecord {
    }

    /**
     * The agent could not deliver from {@code start} to {@code end} (epoch milliseconds) and
     * kept {@code kept} records meanwhile, which precede this note.
     *
     * @param startMillis when it began
     * @param endMillis   when it ended
     * @param kept        records buffered during it (memory and spill file)
     * @param spilled     of those, records that went to the spill file
     * @param cause       what the agent saw, e.g. {@code Redis unreachable: …}
     */
    record Outage(long startMillis, long endMillis, long kept, long spilled, String cause) implements AgentRecord {
    }

    /** The agent stops; nothing follows. */
    record Bye(String reason) implements AgentRecord {
    }
}
