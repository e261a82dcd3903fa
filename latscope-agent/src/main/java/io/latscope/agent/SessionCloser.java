package io.latscope.agent;

/**
 * A session's {@code close()}: runs once, and a call from within the close under way (a
 * listener handed the last interval that calls close() again) returns at once instead of
 * closing a second time. A close that fails can be tried again.
 */
public final class SessionCloser {
    /** The thread in the close under way, or null. */
    private Thread closer;

    /**
     * Runs {@code close} unless the session is {@code closed} or this thread is closing it
     * already. Call it with the session's lock held.
     *
     * @param closed whether the session has closed
     * @param close  what closing it does
     */
    public void close(boolean closed, Runnable close) {
        if (closed || closer == Thread.currentThread()) {
            return;
        }
        closer = Thread.currentThread();
        try {
            close.run();
        } finally {
            closer = null;
        }
    }
}
