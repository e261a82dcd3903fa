package io.latscope.sync;

import java.util.Collection;

/**
 * The side that sends probes, on the reference host: it takes t1 and t4 on its own
 * clock and receives t2 and t3 of the responder's in the replies. Not thread-safe: one
 * round at a time.
 */
public interface SyncInitiator extends AutoCloseable {
    SyncHost host();

    /**
     * Sends {@code count} probes to {@code target}'s responder and returns what came back.
     * Lost probes are counted, not fatal.
     *
     * @throws io.latscope.error.SyncTimeoutException when the target answers none within the strategy's timeout
     */
    ProbeRound probe(SyncHost target, int count);

    /** Detaches everything; idempotent. */
    @Override
    void close();

    /** Starts the initiator {@code strategy} calls for on {@code self}; {@code sessionHosts} as for {@link SyncResponder}. */
    static SyncInitiator start(SyncStrategy strategy, SyncHost self, SessionKey key, Collection<SyncHost> sessionHosts) {
        return switch (strategy.kind()) {
            case XDP -> XdpInitiator.start(self, key, strategy, sessionHosts);
            case USER_SPACE -> UdpInitiator.start(self, key, strategy);
            case NONE -> throw new IllegalArgumentException("sync none() has no initiator");
        };
    }
}
