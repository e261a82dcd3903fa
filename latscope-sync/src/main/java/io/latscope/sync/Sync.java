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
    /** Chosen by measurement (docs/sync.md, bench SyncAblationBench): see {@link SyncStrategy#bursts()}. */
    private static final int BURSTS = 8;

    private Sync() {
    }

    /**
     * Probes answered by an XDP program on every host, stamped in the kernel at mirror
     * points (two-step); native XDP, falling back to generic with a warning.
     *
     * @return 64 probes a second on port {@value #DEFAULT_PORT}, authenticated, default estimator
     */
    public static SyncStrategy xdp() {
        return new SyncStrategy(SyncStrategy.Kind.XDP, XdpStamps.TWO_STEP, DEFAULT_PORT, PROBES, INTERVAL, TIMEOUT,
                SPACING, BURSTS, EstimatorSettings.defaults(), XdpMode.AUTO, true);
    }

    /**
     * The same protocol over plain UDP sockets, stamped in user space (the baseline).
     *
     * @return 64 probes a second on port {@value #DEFAULT_USER_SPACE_PORT}, authenticated, default estimator
     */
    public static SyncStrategy userSpace() {
        return new SyncStrategy(SyncStrategy.Kind.USER_SPACE, XdpStamps.ONE_STEP, DEFAULT_USER_SPACE_PORT, PROBES,
                INTERVAL, TIMEOUT, SPACING, 1, EstimatorSettings.defaults(), XdpMode.AUTO, true);
    }

    /**
     * The strategy a session's spec asks for.
     *
     * @param spec the sync part of a session's spec
     * @return the strategy with the spec's settings
     */
    public static SyncStrategy of(io.latscope.SyncSpec spec) {
        SyncStrategy base = switch (spec.method()) {
            case XDP -> xdp();
            case USER_SPACE -> userSpace();
            case NONE -> none();
        };
        return base.withPort(spec.port()).withProbes(spec.probes()).withInterval(spec.interval())
                .withTimeout(spec.timeout()).withFitWindow(spec.fitWindow()).withAuthentication(spec.authenticate());
    }

    /**
     * The controller's end of sync that a session's spec names.
     *
     * @param spec the sync part of a session's spec, with its reference set
     * @return the reference host, named {@code controller}
     * @throws io.latscope.error.ConfigurationException when the spec has no reference
     */
    public static SyncHost reference(io.latscope.SyncSpec spec) {
        io.latscope.SyncSpec.Reference r = spec.reference();
        if (r == null) {
            throw new io.latscope.error.ConfigurationException(
                    "clock sync needs the controller's interface: set syncReference(ns, ifname, address)");
        }
        return SyncHost.of("controller", io.latscope.bpf.NetNs.of(r.namespace()), r.ifname(), r.address());
    }

    /**
     * No sync: every clock is taken as the reference's (right for namespaces of one machine).
     *
     * @return a strategy that sends no probes and gives every host the identity model
     */
    public static SyncStrategy none() {
        return new SyncStrategy(SyncStrategy.Kind.NONE, XdpStamps.ONE_STEP, DEFAULT_PORT, 1, INTERVAL, TIMEOUT,
                Duration.ZERO, 1, EstimatorSettings.defaults(), XdpMode.AUTO, false);
    }
}
