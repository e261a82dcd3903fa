package io.latscope.cli;

import io.latscope.Durations;
import io.latscope.LatencyReport;
import io.latscope.SessionListener;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A run's progress on stderr: phase, hosts ready, elapsed and remaining time, markers per
 * second and ring-buffer drops. At a terminal one line redrawn twice a second; otherwise a
 * plain line per phase and per interval, for logs.
 */
final class Progress implements SessionListener.IntervalsOnly, AutoCloseable {
    private final PrintWriter err;
    private final boolean tty;
    private final Duration duration;
    private final int hosts;
    private final ScheduledExecutorService ticker;
    private volatile String phase = "starting";
    private volatile int ready;
    private volatile long startNanos = System.nanoTime();
    private volatile double markersPerSecond;
    private volatile long drops;
    private volatile long markers;

    Progress(PrintWriter err, boolean tty, Duration duration, int hosts) {
        this.err = err;
        this.tty = tty;
        this.duration = duration;
        this.hosts = hosts;
        if (tty) {
            ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("latscope-progress").factory());
            ticker.scheduleAtFixedRate(this::draw, 500, 500, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    void phase(String phase, int hostsReady) {
        this.phase = phase;
        this.ready = hostsReady;
        if (phase.equals("measuring")) {
            startNanos = System.nanoTime();
        }
        if (tty) {
            draw();
        } else {
            line();
        }
    }


    @Override
    public void onInterval(LatencyReport r) {
        double s = r.duration().toNanos() / 1e9;
        markersPerSecond = s > 0 ? r.counters().markersSeen() / s : 0;
        drops += r.counters().ringBufferDrops();
        markers += r.counters().markersSeen();
        if (!tty) {
            line();
        }
    }

    String status() {
        long elapsed = phase.equals("measuring") ? (System.nanoTime() - startNanos) / 1_000_000_000L : 0;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: hosts ready %d/%d", phase, ready, hosts));
        if (phase.equals("measuring")) {
            b.append(String.format(Locale.ROOT, ", %d s elapsed", elapsed));
            if (duration != null) {
                b.append(String.format(Locale.ROOT, ", %d s remaining", Math.max(0, duration.toSeconds() - elapsed)));
            }
            b.append(String.format(Locale.ROOT, ", %.0f markers/s, %d markers, %d drops", markersPerSecond, markers, drops));
        }
        return b.toString();
    }

    private synchronized void draw() {
        err.print("\r\033[K" + status());
        err.flush();
    }

    private synchronized void line() {
        err.println("latscope: " + status());
        err.flush();
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            err.print("\r\033[K");
            err.flush();
        }
    }

    static String format(long nanos) {
        return Durations.format(nanos);
    }
}
