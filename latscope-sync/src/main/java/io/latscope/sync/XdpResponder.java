package io.latscope.sync;

import io.latscope.bpf.XdpMode;

import java.util.Collection;
import java.util.List;

/**
 * Answers sync probes in XDP on one interface: stamps t2 at program entry, swaps the
 * addresses and sends the probe back out of the interface (by redirect for
 * {@link XdpStamps#TWO_STEP}, whose hand-off {@code xdp_devmap_xmit} stamps as t3; by
 * XDP_TX otherwise). No user-space work per probe.
 */
public final class XdpResponder implements SyncResponder {
    private final XdpEndpoint endpoint;

    private XdpResponder(XdpEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * Loads and attaches on {@code host}'s interface. {@code mode} AUTO tries native XDP
     * and falls back to generic with a warning.
     *
     * @param host where to answer
     * @param port the UDP port of the probes
     * @param key  the session key the initiator uses
     * @param mode AUTO, GENERIC or NATIVE
     * @return the running responder, two-step; close it to detach
     */
    public static XdpResponder start(SyncHost host, int port, SessionKey key, XdpMode mode) {
        return start(host, port, key, mode, XdpStamps.TWO_STEP, List.of());
    }

    /**
     * Like {@link #start(SyncHost, int, SessionKey, XdpMode)}, answering as {@code stamps}
     * needs (by redirect for TWO_STEP, by XDP_TX otherwise); when the interface is a veth
     * whose peer is the interface of one of {@code sessionHosts}, that host's own sync
     * program serves as the peer's XDP program (otherwise the responder attaches a
     * pass-through one to the peer, which veth needs to deliver frames sent from XDP).
     *
     * @param host         where to answer
     * @param port         the UDP port of the probes
     * @param key          the session key the initiator uses
     * @param mode         AUTO, GENERIC or NATIVE
     * @param stamps       where send stamps are taken
     * @param sessionHosts every host of the session
     * @return the running responder; close it to detach
     */
    public static XdpResponder start(SyncHost host, int port, SessionKey key, XdpMode mode, XdpStamps stamps,
                                     Collection<SyncHost> sessionHosts) {
        return new XdpResponder(XdpEndpoint.open(host, port, key, 0, mode, stamps, sessionHosts));
    }

    @Override
    public SyncHost host() {
        return endpoint.host;
    }

    /**
     * The mode the program runs in, to tell whether native XDP was possible.
     *
     * @return NATIVE, or GENERIC after a fallback
     */
    public XdpMode mode() {
        return endpoint.mode();
    }

    @Override
    public ResponderStats stats() {
        return stats(endpoint);
    }

    static ResponderStats stats(XdpEndpoint ep) {
        return new ResponderStats(ep.counter(XdpEndpoint.C_ANSWERED), ep.counter(XdpEndpoint.C_WRONG_KEY),
                ep.counter(XdpEndpoint.C_MALFORMED), ep.counter(XdpEndpoint.C_T3_XMIT),
                ep.counter(XdpEndpoint.C_T3_AMBIGUOUS), ep.counter(XdpEndpoint.C_NOT_MINE));
    }

    @Override
    public void close() {
        endpoint.close();
    }

    @Override
    public String toString() {
        return "XdpResponder[" + endpoint + "]";
    }
}
