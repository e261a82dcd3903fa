package io.latscope.sync;

import java.util.Collection;

/**
 * The host side of clock sync: answers the probes of one session on one interface until
 * closed. Runs wherever the host is — in the controller's process for namespaces of
 * this machine, in the host's agent otherwise; it needs nothing from the initiator but
 * the {@link SessionKey} and the port.
 */
public interface SyncResponder extends AutoCloseable {
    /**
     * Where the responder answers.
     *
     * @return the host it was started on
     */
    SyncHost host();

    /**
     * What it answered and ignored so far.
     *
     * @return counters since start
     */
    ResponderStats stats();

    /** Detaches everything; idempotent. */
    @Override
    void close();

    /**
     * Starts the responder {@code strategy} calls for on {@code host}; {@code sessionHosts}
     * are the session's other hosts (see {@link XdpResponder#start(SyncHost, int, SessionKey,
     * io.latscope.bpf.XdpMode, XdpStamps, Collection)}).
     *
     * @param strategy     XDP or user space; its port, XDP mode and stamps
     * @param host         where to answer
     * @param key          the session key the initiator uses
     * @param sessionHosts every host of the session
     * @return the running responder; close it
     * @throws IllegalArgumentException for {@link SyncStrategy.Kind#NONE}, which has no responder
     */
    static SyncResponder start(SyncStrategy strategy, SyncHost host, SessionKey key, Collection<SyncHost> sessionHosts) {
        return switch (strategy.kind()) {
            case XDP -> XdpResponder.start(host, strategy.port(), key, strategy.xdpMode(), strategy.stamps(),
                    sessionHosts);
            case USER_SPACE -> UdpResponder.start(host, strategy.port(), key);
            case NONE -> throw new IllegalArgumentException("sync none() has no responder");
        };
    }
}
