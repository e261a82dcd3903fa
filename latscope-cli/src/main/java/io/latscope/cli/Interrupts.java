package io.latscope.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT, SIGTERM) ends a measurement cleanly: the shutdown hook wakes the command,
 * waits until it has closed the session and written its report, then ends the process with
 * the command's exit code (0 for a watch or run stopped this way).
 */
final class Interrupts implements AutoCloseable {
    /** How long Ctrl-C waits for the final report before the process ends anyway. */
    private static final Duration FINISH = Duration.ofSeconds(60);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;
    private volatile int exitCode = ExitCodes.OK;

    Interrupts() {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                if (done.await(FINISH.toSeconds(), TimeUnit.SECONDS)) {
                    Runtime.getRuntime().halt(exitCode);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "latscope-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Waits for {@code d} (null: until interrupted); true when interrupted. */
    boolean await(Duration d) throws InterruptedException {
        if (d == null) {
            stop.await();
            return true;
        }
        return stop.await(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    boolean interrupted() {
        return stop.getCount() == 0;
    }

    /** The command finished with {@code code}: an interrupted process ends with it. */
    void finished(int code) {
        exitCode = code;
        done.countDown();
    }

    @Override
    public void close() {
        if (done.getCount() > 0) {
            done.countDown();
        }
        if (!interrupted()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
        }
    }
}
