package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One platform thread that lives inside a network namespace, for work that must happen
 * there many times (sending probes): entering the namespace once instead of per call.
 */
final class NsThread implements AutoCloseable {
    private final NetNs netns;
    private final ExecutorService executor;

    NsThread(NetNs netns, String name) {
        this.netns = netns;
        this.executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name(name).unstarted(() -> {
            netns.enterOnThisThread();
            r.run();
        }));
    }

    /** Runs {@code work} on the thread and waits for it; its exceptions are rethrown as they are. */
    <T> T call(Callable<T> work) {
        Future<T> f = executor.submit(work);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error er) {
                throw er;
            }
            throw new LatScopeException("in network namespace " + netns.name() + ": " + c.getMessage(), c);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted while working in network namespace " + netns.name(), e);
        }
    }

    /** Runs {@code last} on the thread (to release what lives there), then ends it. Idempotent. */
    void close(Runnable last) {
        if (executor.isShutdown()) {
            return;
        }
        try {
            call(() -> {
                last.run();
                return null;
            });
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
