package io.latscope.sync;

import io.latscope.bpf.XdpMode;

import java.time.Duration;

/**
 * Clock-sync strategies, for {@code sync(xdp())} and {@link ClockSync}:
 *
 * <pre>{@code
 * import static io.latscope.sync.Sync.xdp;
 * try (ClockSync s = ClockSync.start(xdp().withProbes(128).withInterval(Duration.ofSeconds(2)), ref, b, c)) {
 *     long t = s.model("b").toReference(stampOnB);
 * }
 * }</pre>
 */
public final class Sync {
    /** Default UDP port of XDP probes. */
    public static final int DEFAULT_PORT = 19733;
    /** Default UDP port of the user-space method (differs, so both can run side by side). */
    public static final int DEFAULT_USER_SPACE_PORT = 19734;

    /** Chosen by measurement (docs/benchmarks.md): half of it halves little, twice it doubles the p99 error. */
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Long enough for one lost ARP or ND request (retried after 1 s) during first contact. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration SPACING = Duration.ofNanos(20_000);
    private static final int PROBES = 64;

    private Sync() {
    }

    /**
     * Probes answered by an XDP program on every host, stamped in the kernel at mirror
     * points (two-step); native XDP, falling back to generic with a warning.
     */
    public static SyncStrategy xdp() {
        return new SyncStrategy(SyncStrategy.Kind.XDP, XdpStamps.TWO_STEP, DEFAULT_PORT, PROBES, INTERVAL, TIMEOUT,
                SPACING, EstimatorSettings.defaults(), XdpMode.AUTO, true);
    }

    /** The same protocol over plain UDP sockets, stamped in user space (the baseline). */
    public static SyncStrategy userSpace() {
        return new SyncStrategy(SyncStrategy.Kind.USER_SPACE, XdpStamps.ONE_STEP, DEFAULT_USER_SPACE_PORT, PROBES,
                INTERVAL, TIMEOUT, SPACING, EstimatorSettings.defaults(), XdpMode.AUTO, true);
    }

    /** No sync: every clock is taken as the reference's (right for namespaces of one machine). */
    public static SyncStrategy none() {
        return new SyncStrategy(SyncStrategy.Kind.NONE, XdpStamps.ONE_STEP, DEFAULT_PORT, 1, INTERVAL, TIMEOUT,
                Duration.ZERO, EstimatorSettings.defaults(), XdpMode.AUTO, false);
    }
}
