package io.latscope.sync;

/** Where the XDP method takes the send stamps t1 (initiator) and t3 (responder). */
public enum XdpStamps {
    /**
     * Both send stamps at {@code xdp_devmap_xmit}: the initiator's injected probe (whose
     * XDP_TX the kernel turns into a redirect to the same device) and the responder's
     * reply, sent by {@code bpf_redirect} to its own interface, leave through the same
     * code — devmap flush, the driver's {@code ndo_xdp_xmit}, the tracepoint — so the
     * stamps are mirror images, as are the receive stamps at XDP entry. t3 reaches the
     * initiator in the next reply (PTP two-step). Needs native XDP on a driver with
     * {@code ndo_xdp_xmit} (veth and most XDP-capable NICs).
     */
    TWO_STEP,
    /**
     * Two-step with the responder answering by XDP_TX, t3 at {@code xdp_bulk_tx} (veth
     * only). Kept for comparison: the peer's NAPI is scheduled after this stamp but
     * before the initiator's, which leaves a bias.
     */
    TWO_STEP_XDP_TX,
    /** t1 and t3 inside the XDP programs, just before they return; the responder answers by XDP_TX. */
    ONE_STEP
}
