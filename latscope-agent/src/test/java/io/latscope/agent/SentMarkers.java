package io.latscope.agent;

import io.latscope.MarkerPath;
import io.latscope.MarkerRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * The markers of one stream a test sent, placed in that stream: the ones whose flow went to a
 * port, and each one's distance in bytes from the first (sequence numbers wrap at 2^32).
 */
final class SentMarkers {
    private SentMarkers() {
    }

    /** The finished markers whose flow went to {@code port}. */
    static List<MarkerRecord> toPort(List<MarkerPath> paths, int port) {
        List<MarkerRecord> sent = new ArrayList<>();
        paths.forEach(p -> { // a synchronized list's forEach holds its lock
            if (p.record().flow().dstPort() == port) {
                sent.add(p.record());
            }
        });
        return sent;
    }

    /** The sequence of the earliest marker in stream order. */
    static long firstSequence(List<MarkerRecord> sent) {
        return sent.stream().mapToLong(MarkerRecord::sequence).reduce((x, y) -> (int) (y - x) < 0 ? y : x).orElseThrow();
    }

    /** How many bytes after the earliest marker ({@link #firstSequence}) {@code m} lies. */
    static long offset(MarkerRecord m, long first) {
        return Integer.toUnsignedLong((int) (m.sequence() - first));
    }
}
