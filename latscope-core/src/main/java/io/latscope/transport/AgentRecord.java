package io.latscope.transport;

import io.latscope.LatencyReport;

import java.util.List;
import java.util.Map;

/** What an agent sends its controller, in order, each numbered by the agent. */
public sealed interface AgentRecord {
    /** The agent is up and measuring: what it could attach and what not. */
    record Hello(String host, long netnsInode, String kernel, Map<String, String> unavailable,
                 Map<String, String> socketBoundaries) implements AgentRecord {
    }

    /** One interval's in-host hops, counters, probe costs, flows and processes. */
    record Interval(LatencyReport report) implements AgentRecord {
    }

    /** Markers whose path crossed this host's edge, for the cross-host join. */
    record Markers(List<MarkerPart> parts) implements AgentRecord {
    }

    /** The agent stops; nothing follows. */
    record Bye(String reason) implements AgentRecord {
    }
}
