package io.latscope.testbed;

import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.SessionListener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An interval listener that closes its session from {@code onInterval}, as a user ending a
 * session after enough intervals would: at the first interval from {@code atInterval} on once
 * the session is known, and again at every later one (the close's own last interval calls it
 * from within the close under way). It records what each call saw after {@code close()}
 * returned: "closed B, interrupted B", or "close failed: …".
 */
public final class ClosingListener implements SessionListener.IntervalsOnly {
    private final int atInterval;
    private final AtomicReference<LatScopeSession> session = new AtomicReference<>();
    private final List<LatencyReport> seen = new CopyOnWriteArrayList<>();
    private final List<String> afterClose = new CopyOnWriteArrayList<>();
    private final AtomicInteger closingAt = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);

    /** @param atInterval the first interval (counting from 1) at which it closes the session */
    public ClosingListener(int atInterval) {
        this.atInterval = atInterval;
    }

    /** @param s the session this listener was started with */
    public void session(LatScopeSession s) {
        session.set(s);
    }

    @Override
    public void onInterval(LatencyReport r) {
        seen.add(r);
        int n = seen.size();
        LatScopeSession s = session.get();
        if (n < atInterval || s == null) {
            return;
        }
        boolean first = closingAt.compareAndSet(0, n);
        try {
            s.close();
            afterClose.add("closed " + s.isClosed() + ", interrupted " + Thread.currentThread().isInterrupted());
        } catch (RuntimeException e) {
            afterClose.add("close failed: " + e);
        }
        if (first) {
            closed.countDown();
        }
    }

    /**
     * Waits for the first close from the listener to return.
     *
     * @param timeout how long to wait
     * @return whether it returned in time
     */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return every interval report handed to the listener, in order */
    public List<LatencyReport> seen() {
        return List.copyOf(seen);
    }

    /** @return what each close() call from the listener saw once it returned, in the order they returned */
    public List<String> afterClose() {
        return List.copyOf(afterClose);
    }

    /** @return the interval (counting from 1) at which the listener first closed the session; 0 if it has not */
    public int closingAt() {
        return closingAt.get();
    }
}
