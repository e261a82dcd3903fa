package io.latscope.sync;

import io.latscope.bpf.XdpMode;
import io.latscope.error.ConfigurationException;

import java.time.Duration;

/**
 * How clocks are synchronised: an immutable spec, made by {@link Sync#xdp()},
 * {@link Sync#userSpace()} or {@link Sync#none()} and adjusted with {@code with…}.
 *
 * @param kind      XDP timestamps, user-space UDP timestamps, or no sync at all
 * @param stamps    XDP only: where the send stamps are taken
 * @param port      UDP port the responders listen on
 * @param probes    probes per host and round
 * @param interval  time between rounds (re-sync); the first round runs at start
 * @param timeout   how long a host may stay silent before it counts as not answering
 * @param spacing   time between two probes of a round
 * @param estimator RTT filtering, fit window, outlier rejection
 * @param xdpMode   XDP only: attach mode; AUTO tries native and falls back to generic with a warning
 * @param authenticate whether probes carry a MAC under a per-session key
 */
public record SyncStrategy(Kind kind, XdpStamps stamps, int port, int probes, Duration interval, Duration timeout,
                           Duration spacing, EstimatorSettings estimator, XdpMode xdpMode, boolean authenticate) {

    public enum Kind { XDP, USER_SPACE, NONE }

    public SyncStrategy {
        if (port < 1 || port > 65535) {
            throw new ConfigurationException("sync port must be 1..65535, not " + port);
        }
        if (probes < 1) {
            throw new ConfigurationException("probes per round must be at least 1, not " + probes);
        }
        if (!positive(interval) || !positive(timeout) || spacing.isNegative()) {
            throw new ConfigurationException("sync interval and timeout must be positive and spacing not negative");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /** E.g. "xdp two-step", "user-space udp", "none". */
    public String method() {
        return switch (kind) {
            case XDP -> "xdp " + stamps.name().toLowerCase().replace('_', '-');
            case USER_SPACE -> "user-space udp";
            case NONE -> "none";
        };
    }

    public SyncStrategy withInterval(Duration interval) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withProbes(int probes) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withTimeout(Duration timeout) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withPort(int port) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withSpacing(Duration spacing) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withEstimator(EstimatorSettings estimator) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    /** Shorthand for {@code withEstimator(estimator().withFitWindow(window))}. */
    public SyncStrategy withFitWindow(Duration window) {
        return withEstimator(estimator.withFitWindow(window));
    }

    public SyncStrategy withStamps(XdpStamps stamps) {
        requireKind(Kind.XDP, "stamp points");
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withXdpMode(XdpMode xdpMode) {
        requireKind(Kind.XDP, "an XDP mode");
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    public SyncStrategy withAuthentication(boolean authenticate) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, estimator, xdpMode, authenticate);
    }

    private void requireKind(Kind k, String what) {
        if (kind != k) {
            throw new ConfigurationException(what + " apply only to " + k + " sync, not " + method());
        }
    }
}
