package io.latscope.sync;

import io.latscope.error.ConfigurationException;
import io.latscope.error.SyncTimeoutException;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Pacing and give-up rules shared by the initiators. */
final class ProbeTiming {
    /** How long one probe waits for its reply before the next is sent (a late reply still counts). */
    static final long PROBE_WAIT_NANOS = 5_000_000;
    /**
     * Probes sent at the start of every round and not used: after the CPU idled, the first
     * probes of a burst find cold caches and a halted vCPU and come back with round trips
     * and errors several times larger (measured: p99 |error| 1081 ns over the first 4 vs
     * 131 ns over the rest, docs/sync.md).
     */
    static final int WARM_UP_PROBES = 4;

    private ProbeTiming() {
    }

    /** Waits until {@code deadlineNanos} (System.nanoTime), spinning for the last few microseconds. */
    static void until(long deadlineNanos) {
        for (long left; (left = deadlineNanos - System.nanoTime()) > 0; ) {
            if (left > 60_000) {
                LockSupport.parkNanos(left - 50_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** Short back-off while waiting for a reply: spin first, then yield the CPU in small steps. */
    static void backOff(long waitedNanos) {
        if (waitedNanos < 20_000) {
            Thread.onSpinWait();
        } else {
            LockSupport.parkNanos(10_000);
        }
    }

    /** What both initiators check before a round. */
    static void requireProbeable(boolean closed, String kind, SyncHost self, SyncHost target) {
        if (closed) {
            throw new IllegalStateException(kind + " sync initiator on " + self.name() + " is closed");
        }
        if (!ProbeCodec.sameFamily(self.address(), target.address())) {
            throw new ConfigurationException("clock sync: " + self.describe() + " and " + target.describe()
                    + " have addresses of different families");
        }
    }

    static SyncTimeoutException noAnswer(SyncHost self, SyncHost target, int port, Duration timeout, String method,
                                         String hint) {
        return new SyncTimeoutException(target.name(), target.ifname(), "clock sync (" + method + "): host "
                + target.describe() + " did not answer any probe to UDP port " + port + " from host " + self.name()
                + " (interface " + self.ifname() + ") within " + timeout + "; is a responder of this session running"
                + " on " + target.name() + "'s interface " + target.ifname() + ", with the same key?" + hint);
    }
}
