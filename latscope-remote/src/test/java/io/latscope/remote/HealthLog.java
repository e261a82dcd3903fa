package io.latscope.remote;

import io.latscope.LatScopeSession;
import io.latscope.SessionHealth;

import java.util.ArrayList;
import java.util.List;

/**
 * Watches a session's health through the API (every 100 ms) and keeps each change of
 * state, with the health that showed it.
 */
final class HealthLog implements AutoCloseable {
    private final List<SessionHealth> changes = new ArrayList<>();
    private final Thread watcher;
    private volatile boolean running = true;

    HealthLog(LatScopeSession s) {
        watcher = Thread.ofPlatform().daemon().name("health-log").start(() -> {
            SessionHealth.State last = null;
            while (running && !s.isClosed()) {
                SessionHealth h = s.health();
                if (h.state() != last) {
                    synchronized (changes) {
                        changes.add(h);
                    }
                    System.out.println("health change: " + h);
                    last = h.state();
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** The states seen, in order, each once per change. */
    List<SessionHealth.State> states() {
        synchronized (changes) {
            return changes.stream().map(SessionHealth::state).toList();
        }
    }

    List<SessionHealth> changes() {
        synchronized (changes) {
            return new ArrayList<>(changes);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        watcher.interrupt();
        watcher.join();
    }
}
