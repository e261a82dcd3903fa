package io.latscope;

import java.util.Map;

/**
 * A running measurement. Thread-safe. {@link #close()} detaches every probe, flushes the
 * store (if any) and freezes the results: {@link #snapshot()} after close returns the
 * final report.
 */
public interface LatScopeSession extends AutoCloseable {
    String id();

    SessionSpec spec();

    /** Everything measured since start, as of now (in-flight markers join later snapshots). */
    LatencyReport snapshot();

    /** Hops that were asked for but cannot be measured on this kernel, with the reason. */
    Map<Hop, String> unavailable();

    boolean isClosed();

    @Override
    void close();
}
