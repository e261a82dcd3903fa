package io.latscope;

import io.latscope.error.ConfigurationException;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How remote hosts' clocks are mapped to the controller's: plain data, carried out by
 * latscope-sync when a session with remote hosts starts. Made by {@link #xdp()},
 * {@link #userSpace()} or {@link #none()}, then adjusted with the {@code with…} methods.
 *
 * @param method       how probes are stamped
 * @param port         UDP port of the probes on every host
 * @param probes       probes per round
 * @param interval     time between rounds
 * @param timeout      how long a host may stay silent before start fails naming it
 * @param fitWindow    how far back rounds are fitted into one offset and drift model
 * @param authenticate sign every probe with a per-session key (SipHash)
 * @param reference    the controller's end: a namespace of the controller's machine, an
 *                     interface in it and its address as the hosts see it; null until set
 */
public record SyncSpec(Method method, int port, int probes, Duration interval, Duration timeout, Duration fitWindow,
                       boolean authenticate, Reference reference) {

    /** How sync probes are stamped. */
    public enum Method {
        /** No sync: every host shares one clock (namespaces of one machine). */
        NONE,
        /** Probes stamped by XDP programs at mirror-image points of both hosts (the default for remote hosts). */
        XDP,
        /** The same protocol over plain UDP sockets, stamped in user space: the baseline. */
        USER_SPACE
    }

    /** Default UDP port of XDP sync probes. */
    public static final int DEFAULT_PORT = 19733;
    /** Default UDP port of user-space sync probes. */
    public static final int DEFAULT_USER_SPACE_PORT = 19734;

    /**
     * The controller's end of clock sync.
     *
     * @param namespace where the controller's interface is
     * @param ifname    the interface the hosts are reached through
     * @param address   the controller's address on it, as the hosts see it (an IP literal)
     */
    public record Reference(Namespace namespace, String ifname, String address) {
        private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");

        /** Checks every part. */
        public Reference {
            if (namespace == null) {
                throw new ConfigurationException("sync reference: the namespace is null; use Namespace.current() for this one");
            }
            if (ifname == null || !IFNAME.matcher(ifname).matches()) {
                throw new ConfigurationException("sync reference: '" + ifname + "' is not a network interface name");
            }
            try {
                InetAddress.ofLiteral(address);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new ConfigurationException("sync reference: '" + address + "' is not an IP address literal");
            }
        }
    }

    /** Checks every part. */
    public SyncSpec {
        if (method == null) {
            throw new ConfigurationException("sync method is null; use SyncSpec.none(), xdp() or userSpace()");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigurationException("sync port must be 1..65535, not " + port);
        }
        if (probes < 1 || probes > 100_000) {
            throw new ConfigurationException("sync probes per round must be 1..100000, not " + probes);
        }
        Durations.requirePositive(interval, "sync interval");
        Durations.requirePositive(timeout, "sync timeout");
        Durations.requirePositive(fitWindow, "sync fit window");
    }

    /**
     * The default for remote hosts: probes stamped by XDP programs, so the stamps miss the
     * scheduling noise of user space.
     *
     * @return XDP-stamped two-step sync, 64 probes a second, fitted over 5 s, authenticated
     */
    public static SyncSpec xdp() {
        return new SyncSpec(Method.XDP, DEFAULT_PORT, 64, Duration.ofSeconds(1), Duration.ofSeconds(3),
                Duration.ofSeconds(5), true, null);
    }

    /**
     * The baseline to compare XDP sync against, or for hosts where XDP cannot attach.
     *
     * @return the same protocol over UDP sockets, stamped in user space
     */
    public static SyncSpec userSpace() {
        return new SyncSpec(Method.USER_SPACE, DEFAULT_USER_SPACE_PORT, 64, Duration.ofSeconds(1), Duration.ofSeconds(3),
                Duration.ofSeconds(5), true, null);
    }

    /**
     * No sync, for sessions whose hosts share one clock.
     *
     * @return no sync: all hosts share one clock (namespaces of one machine)
     */
    public static SyncSpec none() {
        return new SyncSpec(Method.NONE, DEFAULT_PORT, 1, Duration.ofSeconds(1), Duration.ofSeconds(3),
                Duration.ofSeconds(5), false, null);
    }

    /**
     * Another UDP port, when the default is taken.
     *
     * @param port UDP port of the probes, 1 to 65535
     * @return a copy with that port
     */
    public SyncSpec withPort(int port) {
        return new SyncSpec(method, port, probes, interval, timeout, fitWindow, authenticate, reference);
    }

    /**
     * More probes per round narrow the error bound under load, at more traffic.
     *
     * @param probes probes per round, 1 to 100 000
     * @return a copy with that many probes
     */
    public SyncSpec withProbes(int probes) {
        return new SyncSpec(method, port, probes, interval, timeout, fitWindow, authenticate, reference);
    }

    /**
     * How often a round of probes is sent.
     *
     * @param interval time between rounds; positive
     * @return a copy with that interval
     */
    public SyncSpec withInterval(Duration interval) {
        return new SyncSpec(method, port, probes, interval, timeout, fitWindow, authenticate, reference);
    }

    /**
     * How long a host may leave probes unanswered before the session fails naming it.
     *
     * @param timeout how long a host may stay silent; positive
     * @return a copy with that timeout
     */
    public SyncSpec withTimeout(Duration timeout) {
        return new SyncSpec(method, port, probes, interval, timeout, fitWindow, authenticate, reference);
    }

    /**
     * How much history one offset-and-drift model is fitted over: longer averages out more
     * noise, shorter follows drift changes sooner.
     *
     * @param window how far back rounds are fitted; positive
     * @return a copy with that window
     */
    public SyncSpec withFitWindow(Duration window) {
        return new SyncSpec(method, port, probes, interval, timeout, window, authenticate, reference);
    }

    /**
     * Whether probes are signed, so that a stray or forged packet cannot move the clocks.
     *
     * @param authenticate sign probes with a per-session key
     * @return a copy with that setting
     */
    public SyncSpec withAuthentication(boolean authenticate) {
        return new SyncSpec(method, port, probes, interval, timeout, fitWindow, authenticate, reference);
    }

    /**
     * Where the controller's end of sync is; required for sync with remote hosts (also set
     * by {@link LatScope.Builder#syncReference(Namespace, String, String)}).
     *
     * @param reference the controller's end
     * @return a copy with that reference
     */
    public SyncSpec withReference(Reference reference) {
        return new SyncSpec(method, port, probes, interval, timeout, fitWindow, authenticate, reference);
    }

    /**
     * The method as reports and their provenance show it.
     *
     * @return e.g. {@code xdp two-step}, {@code user-space udp}, {@code none}
     */
    public String describe() {
        return switch (method) {
            case XDP -> "xdp two-step";
            case USER_SPACE -> "user-space udp";
            case NONE -> "none";
        };
    }
}
