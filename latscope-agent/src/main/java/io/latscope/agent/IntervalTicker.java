package io.latscope.agent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A session's interval thread: one daemon thread running its periodic tasks (interval
 * reports, process samples, health). Listeners run on it, and a listener may close the
 * session from there, so stopping it knows whether it is called from its own thread.
 */
public final class IntervalTicker {
    private final ScheduledExecutorService executor;
    /** The thread the executor made (it makes one). */
    private volatile Thread thread;

    /**
     * Starts the thread, with nothing to run yet.
     *
     * @param name the thread's name
     */
    public IntervalTicker(String name) {
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = Thread.ofPlatform().daemon().name(name).unstarted(r);
            thread = t;
            return t;
        });
    }

    /**
     * Runs {@code task} every {@code periodMillis}, the first time after {@code initialMillis}.
     *
     * @param task          what to run
     * @param initialMillis delay before the first run
     * @param periodMillis  period between runs
     */
    public void every(Runnable task, long initialMillis, long periodMillis) {
        executor.scheduleAtFixedRate(task, initialMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops further runs. From a task of this ticker (a listener closing the session from its
     * interval), it does not interrupt that very thread, which would cut short what the close
     * does next, and does not wait for itself. From any other thread, it interrupts a running
     * task and waits up to {@code wait} for it to end.
     *
     * @param wait how long to wait for a running task; zero: do not wait
     * @return false if a running task had not ended within {@code wait}
     */
    public boolean stop(Duration wait) {
        if (Thread.currentThread() == thread) {
            executor.shutdown();
            return true;
        }
        executor.shutdownNow();
        if (wait.isZero()) {
            return true;
        }
        try {
            return executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
