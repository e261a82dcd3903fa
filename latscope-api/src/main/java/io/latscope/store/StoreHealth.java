package io.latscope.store;

import java.time.Instant;

/**
 * State of a store's write path: items accepted but not yet durable, items spilled to
 * local disk during an outage, retries so far, and the last error (null when healthy).
 * An item is what one write call handed over: a session's start or end, an interval
 * report, a batch of marker records.
 *
 * @param pending     items accepted but not yet durable
 * @param spilled     of those, items now on local disk because the database could not take them
 * @param written     items made durable so far
 * @param retries     failed writes retried so far
 * @param lastError   the error of the last write, for people; null when healthy (a write that
 *                    succeeds again clears it)
 * @param lastErrorAt when it happened; null when healthy
 */
public record StoreHealth(long pending, long spilled, long written, long retries, String lastError, Instant lastErrorAt) {
    /**
     * Whether the store is writing: the last write succeeded, or none failed yet.
     *
     * @return true when there is no last error
     */
    public boolean healthy() {
        return lastError == null;
    }
}
