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
 * @param spacing   time between two probes of a burst
 * @param bursts    after the first round (one burst of every probe, so a model exists when
 *                  {@code start} returns), a round's probes are sent in this many bursts spread
 *                  evenly over the interval (at most one per probe), each with its own warm-up
 *                  probes; the round's model is published after its last burst
 * @param estimator RTT filtering, fit window, outlier rejection
 * @param xdpMode   XDP only: attach mode; AUTO tries native and falls back to generic with a warning
 * @param authenticate whether probes carry a MAC under a per-session key
 */
public record SyncStrategy(Kind kind, XdpStamps stamps, int port, int probes, Duration interval, Duration timeout,
                           Duration spacing, int bursts, EstimatorSettings estimator, XdpMode xdpMode,
                           boolean authenticate) {

    /** How probes are stamped. */
    public enum Kind {
        /** In the kernel, by XDP programs at mirror-image points of both hosts. */
        XDP,
        /** In user space, around plain UDP sockets: the baseline. */
        USER_SPACE,
        /** Not at all: every host shares the reference's clock. */
        NONE
    }

    /**
     * Checks port, probe count and durations.
     *
     * @throws ConfigurationException when one is out of range
     */
    public SyncStrategy {
        if (port < 1 || port > 65535) {
            throw new ConfigurationException("sync port must be 1..65535, not " + port);
        }
        if (probes < 1) {
            throw new ConfigurationException("probes per round must be at least 1, not " + probes);
        }
        if (bursts < 1) {
            throw new ConfigurationException("bursts per round must be at least 1, not " + bursts);
        }
        if (!positive(interval) || !positive(timeout) || spacing.isNegative()) {
            throw new ConfigurationException("sync interval and timeout must be positive and spacing not negative");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /**
     * The method as models and reports name it.
     *
     * @return e.g. "xdp two-step", "user-space udp", "none"
     */
    public String method() {
        return switch (kind) {
            case XDP -> "xdp " + stamps.name().toLowerCase().replace('_', '-');
            case USER_SPACE -> "user-space udp";
            case NONE -> "none";
        };
    }

    /**
     * Re-sync at another pace.
     *
     * @param interval time between rounds; positive
     * @return a changed copy
     */
    public SyncStrategy withInterval(Duration interval) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Send another number of probes per host and round.
     *
     * @param probes at least 1
     * @return a changed copy
     */
    public SyncStrategy withProbes(int probes) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Wait another time for a silent host.
     *
     * @param timeout positive
     * @return a changed copy
     */
    public SyncStrategy withTimeout(Duration timeout) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Use another UDP port.
     *
     * @param port 1 to 65535
     * @return a changed copy
     */
    public SyncStrategy withPort(int port) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Space a round's probes differently (they queue behind each other when too close).
     *
     * @param spacing not negative
     * @return a changed copy
     */
    public SyncStrategy withSpacing(Duration spacing) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Spreads each round (after the first) over the interval.
     *
     * @param bursts bursts per round; 1 sends the round at once
     * @return a changed copy
     */
    public SyncStrategy withBursts(int bursts) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Bursts a round is spread over.
     *
     * @return {@link #bursts()}, but no more than there are probes
     */
    public int burstsPerRound() {
        return Math.min(bursts, probes);
    }

    /**
     * Probes in each burst of a spread round (the first round sends all {@link #probes()} at once).
     *
     * @return the probes per burst
     */
    public int probesPerBurst() {
        return probes / burstsPerRound();
    }

    /**
     * Estimate with other settings.
     *
     * @param estimator filtering, window and bound settings
     * @return a changed copy
     */
    public SyncStrategy withEstimator(EstimatorSettings estimator) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Shorthand for {@code withEstimator(estimator().withFitWindow(window))}.
     *
     * @param window how far back rounds are fitted; positive
     * @return a changed copy
     */
    public SyncStrategy withFitWindow(Duration window) {
        return withEstimator(estimator.withFitWindow(window));
    }

    /**
     * Take the XDP send stamps at other points.
     *
     * @param stamps one-step or two-step
     * @return a changed copy
     * @throws ConfigurationException unless this is XDP sync
     */
    public SyncStrategy withStamps(XdpStamps stamps) {
        requireKind(Kind.XDP, "stamp points");
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Attach the XDP programs in another mode.
     *
     * @param xdpMode AUTO, GENERIC or NATIVE
     * @return a changed copy
     * @throws ConfigurationException unless this is XDP sync
     */
    public SyncStrategy withXdpMode(XdpMode xdpMode) {
        requireKind(Kind.XDP, "an XDP mode");
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    /**
     * Sign probes with a per-session key, or not.
     *
     * @param authenticate true to sign
     * @return a changed copy
     */
    public SyncStrategy withAuthentication(boolean authenticate) {
        return new SyncStrategy(kind, stamps, port, probes, interval, timeout, spacing, bursts, estimator, xdpMode, authenticate);
    }

    private void requireKind(Kind k, String what) {
        if (kind != k) {
            throw new ConfigurationException(what + " apply only to " + k + " sync, not " + method());
        }
    }
}
