package io.latscope.sync;

import java.util.Collection;

/**
 * The side that sends probes, on the reference host: it takes t1 and t4 on its own
 * clock and receives t2 and t3 of the responder's in the replies. Not thread-safe: one
 * round at a time.
 */
public interface SyncInitiator extends AutoCloseable {
    /**
     * Where the initiator runs.
     *
     * @return the reference host
     */
    SyncHost host();

    /**
     * Sends {@code count} probes to {@code target}'s responder and returns what came back.
     * Lost probes are counted, not fatal.
     *
     * @param target a host whose responder runs with the same session key
     * @param count  probes to send, spaced by the strategy's spacing
     * @return the round: what was sent, answered and stamped
     * @throws io.latscope.error.SyncTimeoutException when the target answers none within the strategy's timeout
     */
    ProbeRound probe(SyncHost target, int count);

    /** Detaches everything; idempotent. */
    @Override
    void close();

    /**
     * Starts the initiator {@code strategy} calls for on {@code self}; {@code sessionHosts} as for {@link SyncResponder}.
     *
     * @param strategy     XDP or user space
     * @param self         the reference host, where probes leave from
     * @param key          the session key the responders have
     * @param sessionHosts every host of the session, whose replies are accepted
     * @return the running initiator; close it
     * @throws IllegalArgumentException for {@link SyncStrategy.Kind#NONE}, which has no initiator
     */
    static SyncInitiator start(SyncStrategy strategy, SyncHost self, SessionKey key, Collection<SyncHost> sessionHosts) {
        return switch (strategy.kind()) {
            case XDP -> XdpInitiator.start(self, key, strategy, sessionHosts);
            case USER_SPACE -> UdpInitiator.start(self, key, strategy);
            case NONE -> throw new IllegalArgumentException("sync none() has no initiator");
        };
    }
}
