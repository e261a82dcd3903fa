package io.latscope.store;

import java.time.Instant;
import java.util.List;

/**
 * What a session was: id, when, the hosts it spanned (with their topology), and the
 * spec it ran with (as text, for people). {@code end} is null while it runs.
 */
public record SessionInfo(String id, String label, Instant start, Instant end, List<HostInfo> hosts, String spec) {
    public SessionInfo {
        hosts = List.copyOf(hosts);
    }

    public SessionInfo withEnd(Instant end) {
        return new SessionInfo(id, label, start, end, hosts, spec);
    }
}
