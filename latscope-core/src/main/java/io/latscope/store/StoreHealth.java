package io.latscope.store;

import java.time.Instant;

/**
 * State of a store's write path: items accepted but not yet durable, items spilled to
 * local disk during an outage, retries so far, and the last error (null when healthy).
 */
public record StoreHealth(long pending, long spilled, long written, long retries, String lastError, Instant lastErrorAt) {
    public boolean healthy() {
        return lastError == null;
    }
}
