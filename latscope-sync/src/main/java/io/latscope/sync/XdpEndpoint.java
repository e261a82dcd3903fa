package io.latscope.sync;

import io.latscope.bpf.BpfLink;
import io.latscope.bpf.BpfObject;
import io.latscope.bpf.Interfaces;
import io.latscope.bpf.MapCodec;
import io.latscope.bpf.XdpMode;
import io.latscope.error.ConfigurationException;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;
import io.latscope.sync.layout.SyncH;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The kernel side of clock sync on one interface of one host: the {@code sync} BPF
 * object loaded for it, {@code sync_xdp} attached (answers requests; with a session,
 * also records replies), the two-step stamp tracepoints, and an {@code XDP_PASS}
 * program on the veth peer when the peer has none. Owns all of them; {@link #close()}
 * detaches in reverse order and is idempotent.
 */
final class XdpEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XdpEndpoint.class);

    /** Indexes of the "counters" map (enum sync_counter in src-bpf/include/sync.h). */
    static final int C_ANSWERED = SyncH.SYNC_C_ANSWERED(), C_WRONG_KEY = SyncH.SYNC_C_WRONG_KEY(),
            C_MALFORMED = SyncH.SYNC_C_MALFORMED(), C_RECORDED = SyncH.SYNC_C_RECORDED(), C_T1_XMIT = SyncH.SYNC_C_T1_XMIT(),
            C_T3_XMIT = SyncH.SYNC_C_T3_XMIT(), C_T3_AMBIGUOUS = SyncH.SYNC_C_T3_AMBIGUOUS(),
            C_INJECTED = SyncH.SYNC_C_INJECTED(), C_OTHER_SESSION = SyncH.SYNC_C_OTHER_SESSION(),
            C_NOT_MINE = SyncH.SYNC_C_NOT_MINE();

    /**
     * Tests only: makes the two-step stamp after 1 in {@code every} hand-offs wait
     * {@code nanos} first, as when the stamping CPU is interrupted between hand-off and
     * stamp while the peer, polling on another CPU, already took the frame.
     */
    record StampStall(long nanos, int every) {
    }

    /** Applies to endpoints opened while it is set; null outside tests. */
    static volatile StampStall stampStallForTests;

    final SyncHost host;
    final int ifindex;
    final BpfObject object;
    private final List<AutoCloseable> owned = new ArrayList<>(); // in opening order
    private XdpMode mode = XdpMode.AUTO;
    private boolean closed;

    private XdpEndpoint(SyncHost host, int ifindex, BpfObject object) {
        this.host = host;
        this.ifindex = ifindex;
        this.object = object;
        owned.add(object);
    }

    /**
     * Loads and attaches on {@code host}'s interface. {@code initiatorSession} is the session
     * whose replies this endpoint records, or 0 for a pure responder. {@code peers}: the
     * other hosts of the session (see {@link #ensurePeerXdp}).
     */
    static XdpEndpoint open(SyncHost host, int port, SessionKey key, long initiatorSession, XdpMode requested,
                            XdpStamps stamps, Collection<SyncHost> peers) {
        int ifindex = ifindex(host);
        BpfObject obj = BpfObject.openResource(XdpEndpoint.class, "sync.bpf.o", "sync");
        XdpEndpoint ep = new XdpEndpoint(host, ifindex, obj);
        try {
            obj.setConstant("sync_port", port);
            obj.setConstant("expected_ifindex", ifindex);
            obj.setConstant("netns_ino", host.netns().inode());
            obj.setConstant("session_id", initiatorSession);
            obj.setConstant("authenticate", key.authenticated() ? 1 : 0);
            obj.setConstant("key0", key.k0());
            obj.setConstant("key1", key.k1());
            obj.setConstant("reply_by_redirect", stamps == XdpStamps.TWO_STEP ? 1 : 0);
            // answer only probes addressed to this host: one that routes or bridges for a VM
            // or a container sees theirs on the same interface
            byte[] own = host.address().getAddress();
            if (own.length == 4) {
                obj.setConstant("own_ip4", own);
            } else {
                obj.setConstant("own_ip6_lo", java.util.Arrays.copyOfRange(own, 0, 8));
                obj.setConstant("own_ip6_hi", java.util.Arrays.copyOfRange(own, 8, 16));
            }
            StampStall stall = stampStallForTests;
            if (stall != null) {
                obj.setConstant("test_stall_ns", stall.nanos());
                obj.setConstant("test_stall_every", stall.every());
            }
            obj.load();
            ep.own(attach(obj, host, requested));
            ep.mode = Optional.ofNullable(Interfaces.attachedXdpMode(host.netns(), host.ifname())).orElse(requested);
            if (stamps == XdpStamps.TWO_STEP_XDP_TX) {
                ep.own(obj.program("sync_bulk_tx").attach());
            }
            if (stamps == XdpStamps.TWO_STEP || initiatorSession != 0) {
                ep.own(obj.program("sync_devmap_xmit").attach());
            }
            ep.ensurePeerXdp(peers);
            return ep;
        } catch (RuntimeException e) {
            ep.close();
            throw e;
        }
    }

    /** The host's interface index; a ConfigurationException naming host and interface when it does not exist. */
    static int ifindex(SyncHost host) {
        try {
            return Interfaces.index(host.netns(), host.ifname());
        } catch (ConfigurationException e) {
            throw new ConfigurationException("clock sync host " + host.name() + ": " + e.getMessage(), e);
        }
    }

    private static BpfLink attach(BpfObject obj, SyncHost host, XdpMode requested) {
        try {
            return attachOrFallBack(obj, host, requested);
        } catch (KernelException e) {
            if (e.errno() == Errno.EBUSY || e.errno() == Errno.EEXIST) {
                throw new KernelException("clock sync host " + host.name() + ": attaching sync_xdp to " + host.ifname(),
                        e.errno(), "another XDP program is attached to it; when it is the XDP_PASS program a"
                        + " responder on the veth peer attached, start that responder with " + host.name()
                        + " among its session hosts");
            }
            throw e;
        }
    }

    private static BpfLink attachOrFallBack(BpfObject obj, SyncHost host, XdpMode requested) {
        if (requested != XdpMode.AUTO) {
            return obj.program("sync_xdp").attachXdp(host.netns(), host.ifname(), requested);
        }
        try {
            return obj.program("sync_xdp").attachXdp(host.netns(), host.ifname(), XdpMode.NATIVE);
        } catch (KernelException e) {
            if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL) {
                throw e;
            }
            LOG.warn("clock sync on {}: no native XDP on {} ({}); using generic XDP, whose stamps come after the"
                    + " kernel built an skb: slower and less symmetric", host.name(), host.ifname(), Errno.describe(e.errno()));
            return obj.program("sync_xdp").attachXdp(host.netns(), host.ifname(), XdpMode.GENERIC);
        }
    }

    /**
     * veth hands frames sent from XDP only to a peer with an XDP program: give it a pass-through
     * one if it has none and is not the interface of one of {@code peers}, which get
     * sync_xdp of their own.
     */
    private void ensurePeerXdp(Collection<SyncHost> peers) {
        Optional<VethPeer.Peer> peer = VethPeer.of(host.netns(), host.ifname());
        if (peer.isEmpty() || peer.get().hasXdp()) {
            return;
        }
        VethPeer.Peer p = peer.get();
        if (peers.stream().anyMatch(h -> h.netns().inode() == p.netns().inode() && h.ifname().equals(p.ifname()))) {
            return;
        }
        LOG.info("clock sync on {}: attaching an XDP_PASS program to {} in {}, the peer of veth {}, so that it"
                + " receives frames sent from XDP", host.name(), p.ifname(), p.netns().name(), host.ifname());
        own(object.program("sync_pass").attachXdp(p.netns(), p.ifname(), XdpMode.NATIVE));
    }

    /** Takes ownership: closed before everything opened earlier. */
    <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** The mode sync_xdp actually runs in. */
    XdpMode mode() {
        return mode;
    }

    long counter(int index) {
        return object.map("counters").typed(MapCodec.INT, MapCodec.LONG).sum(index);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (AutoCloseable c : owned.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("clock sync on {}: closing {} failed: {}", host.name(), c, e.toString());
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "XdpEndpoint[" + host.describe() + ", " + mode + (closed ? ", closed" : "") + "]";
    }
}
