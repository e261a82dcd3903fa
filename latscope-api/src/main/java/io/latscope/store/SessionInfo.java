package io.latscope.store;

import java.time.Instant;
import java.util.List;

/**
 * What a session was: id, when, the hosts it spanned (with their topology), and the
 * spec it ran with (as text, for people). {@code end} is null while it runs.
 *
 * @param id    the session's id, the key to {@link ResultStore#load(String)}
 * @param label the session's label; may be empty
 * @param start when it started
 * @param end   when it ended; null while it runs (or when it never said, e.g. the process died)
 * @param hosts the hosts it spanned
 * @param spec  what it measured with, as printed text
 */
public record SessionInfo(String id, String label, Instant start, Instant end, List<HostInfo> hosts, String spec) {
    /**
     * Copies the hosts.
     *
     * @param id    the session's id
     * @param label the session's label
     * @param start when it started
     * @param end   when it ended, or null
     * @param hosts the hosts it spanned
     * @param spec  what it measured with
     */
    public SessionInfo {
        hosts = List.copyOf(hosts);
    }

    /**
     * The same session, ended.
     *
     * @param end when it ended
     * @return a copy with that end
     */
    public SessionInfo withEnd(Instant end) {
        return new SessionInfo(id, label, start, end, hosts, spec);
    }
}
