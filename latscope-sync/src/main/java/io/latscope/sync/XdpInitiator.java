package io.latscope.sync;

import io.latscope.bpf.PacketSocket;
import io.latscope.bpf.RingBuffer;
import io.latscope.bpf.XdpMode;
import io.latscope.bpf.XdpTestRun;
import io.latscope.error.Errno;
import io.latscope.error.KernelException;
import io.latscope.error.LatScopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sends probes from the reference host by XDP: each probe is a complete frame run
 * through {@code sync_inject} with {@code BPF_PROG_RUN} live frames, which stamps t1 and
 * leaves with XDP_TX like a responder's reply; {@code xdp_devmap_xmit} stamps its
 * hand-off (two-step t1). Replies are recorded by {@code sync_xdp} on the same interface
 * (t4 at entry) into a ring buffer that a thread inside the host's namespace drains
 * without system calls. The first contact with a host is a plain UDP packet through the
 * stack, whose reply tells the Ethernet addresses for the injected frames.
 *
 * <p>The program on the interface answers requests too, so the reference host needs no
 * separate responder.
 */
public final class XdpInitiator implements SyncInitiator {
    private static final Logger LOG = LoggerFactory.getLogger(XdpInitiator.class);
    /** First-contact requests go through the stack; under a saturating flow most are dropped at a full veth ring. */
    private static final long HELLO_EVERY_NANOS = 5_000_000;
    private static final int MAX_FRAME = 256;
    /** How a round's method names probes sent by packet socket (a kernel that refuses live XDP frames). */
    static final String PACKET_SOCKET = "packet socket";

    private final SyncHost self;
    private final SessionKey key;
    private final SyncStrategy strategy;
    private final XdpEndpoint endpoint;
    private final RingBuffer ring;
    private final NsThread thread;
    private final Map<String, byte[]> frames = new HashMap<>();
    private final Map<Long, ProbeCodec.Reply> replies = new HashMap<>();
    private final Set<String> warnedOneStep = new HashSet<>();
    /**
     * Tests: send through the packet socket from the start, as on a kernel that refuses live
     * frames, to cover that path where the kernel allows them. Applies to rounds that follow.
     */
    static volatile boolean packetSocketForTests;

    private XdpTestRun.LiveSender sender; // confined to thread
    /** Where the kernel refuses live XDP frames: probes leave through this instead (confined to thread). */
    private PacketSocket packets;
    private long nextSeq = 1;
    private boolean closed;

    private XdpInitiator(SyncHost self, SessionKey key, SyncStrategy strategy, XdpEndpoint endpoint) {
        this.self = self;
        this.key = key;
        this.strategy = strategy;
        this.endpoint = endpoint;
        this.ring = endpoint.own(RingBuffer.open(endpoint.object.map("samples")));
        this.thread = new NsThread(self.netns(), "latscope-sync-" + self.name());
    }

    /**
     * Loads and attaches on {@code self}'s interface; probes go out of it.
     *
     * @param self     the reference host
     * @param key      the session key the responders have
     * @param strategy the probes' port, stamps, XDP mode, spacing and timeout
     * @return the initiator; close it to detach
     */
    public static XdpInitiator start(SyncHost self, SessionKey key, SyncStrategy strategy) {
        return start(self, key, strategy, List.of());
    }

    /**
     * Like {@link #start(SyncHost, SessionKey, SyncStrategy)}; {@code sessionHosts} as for {@link XdpResponder}.
     *
     * @param self         the reference host
     * @param key          the session key the responders have
     * @param strategy     the probes' port, stamps, XDP mode, spacing and timeout
     * @param sessionHosts every host of the session
     * @return the initiator; close it to detach
     */
    public static XdpInitiator start(SyncHost self, SessionKey key, SyncStrategy strategy,
                                     Collection<SyncHost> sessionHosts) {
        XdpEndpoint ep = XdpEndpoint.open(self, strategy.port(), key, key.sessionId(), strategy.xdpMode(),
                strategy.stamps(), sessionHosts);
        try {
            return new XdpInitiator(self, key, strategy, ep);
        } catch (RuntimeException e) {
            ep.close();
            throw e;
        }
    }

    @Override
    public SyncHost host() {
        return self;
    }

    /**
     * The mode sync_xdp runs in on this host.
     *
     * @return NATIVE, or GENERIC after a fallback
     */
    public XdpMode mode() {
        return endpoint.mode();
    }

    /**
     * Counters of the program on this host (it answers requests too).
     *
     * @return what it answered and ignored so far
     */
    public ResponderStats stats() {
        return XdpResponder.stats(endpoint);
    }

    @Override
    public synchronized ProbeRound probe(SyncHost target, int count) {
        ProbeTiming.requireProbeable(closed, "XDP", self, target);
        return thread.call(() -> round(target, count));
    }

    // ---- on the namespace thread ------------------------------------------------

    private ProbeRound round(SyncHost target, int count) {
        byte[] frame = frames.get(target.name());
        if (frame == null) {
            frame = hello(target);
            frames.put(target.name(), frame);
        }
        if (sender == null && packets == null) {
            if (packetSocketForTests) {
                usePacketSocket();
            } else {
                sender = XdpTestRun.LiveSender.open(endpoint.object.program("sync_inject"), endpoint.ifindex, MAX_FRAME);
            }
        }
        long start = System.nanoTime();
        long spacing = strategy.spacing().toNanos();
        long timeout = strategy.timeout().toNanos();
        int total = ProbeTiming.WARM_UP_PROBES + count + 1;
        List<Long> seqs = new ArrayList<>(total);
        long[] sentAts = new long[total];
        int answered = 0;
        // warm-up probes first; one probe more than asked at the end: its reply carries the
        // follow-up (t3) of the last one
        for (int i = 0; i < total; i++) {
            long seq = nextSeq++;
            long sentAt = send(frame, target, seq);
            sentAts[seqs.size()] = sentAt;
            seqs.add(seq);
            if (await(seq, sentAt + ProbeTiming.PROBE_WAIT_NANOS)) {
                answered++;
            } else if (answered == 0 && System.nanoTime() - start > timeout && answeredOf(seqs) == 0) {
                throw ProbeTiming.noAnswer(self, target, strategy.port(), strategy.timeout(), strategy.method(),
                        " (no reply to " + seqs.size() + " injected probes: " + counters() + ")");
            }
            ProbeTiming.until(sentAt + spacing);
        }
        drain();
        answered = answeredOf(seqs);
        if (answered == 0) {
            // a peer farther than one probe's wait (a loaded VM, a long path): every reply is
            // late, so the round waits for them — until the timeout for the first, then four
            // times its round trip for the last. (A peer that answers in time keeps its rounds
            // as they were: late replies under load are the slow ones the estimator discards.)
            long deadline = start + timeout;
            while (answeredOf(seqs) == 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                drain();
            }
            long longest = 0;
            for (int i = 0; i < seqs.size(); i++) {
                ProbeCodec.Reply r = replies.get(seqs.get(i));
                if (r != null) { // t4 is the XDP program's CLOCK_MONOTONIC, as System.nanoTime
                    longest = Math.max(longest, r.t4() - sentAts[i]);
                }
            }
            deadline = Math.min(deadline, sentAts[seqs.size() - 1] + 4 * longest);
            while (!replies.containsKey(seqs.getLast()) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                drain();
            }
            answered = answeredOf(seqs);
        }
        if (answered == 0) {
            throw ProbeTiming.noAnswer(self, target, strategy.port(), strategy.timeout(), strategy.method(),
                    " (no reply to any of " + seqs.size() + " injected probes: " + counters() + ")");
        }
        return assemble(target, seqs.subList(ProbeTiming.WARM_UP_PROBES, total), start);
    }

    /**
     * Sends {@code frame} renumbered to {@code seq}: run through sync_inject with live frames,
     * or, where the kernel refuses those (EPERM: a sandbox's policy), through a packet
     * socket, its send time in the probe (one-step) and its hand-off stamped by
     * sync_packet_xmit (two-step). Returns System.nanoTime() just before the send.
     */
    private long send(byte[] frame, SyncHost target, long seq) {
        if (packets == null) {
            ProbeCodec.setSeq(frame, target.address(), key, seq);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, sender.frame(), 0, frame.length);
            long at = System.nanoTime();
            try {
                sender.send(frame.length);
                return at;
            } catch (KernelException e) {
                if (e.errno() != Errno.EPERM) {
                    throw e;
                }
                LOG.info("clock sync on {}: this kernel refuses BPF_PROG_RUN with live XDP frames (EPERM); probes"
                        + " leave through a packet socket instead, their hand-off stamped at net_dev_start_xmit",
                        self.describe());
                usePacketSocket();
            }
        }
        long at = System.nanoTime();
        ProbeCodec.setSeq(frame, target.address(), key, seq, at);
        try {
            packets.send(frame, frame.length);
        } catch (KernelException e) {
            // a full device queue or peer ring: the probe is lost, as a live frame would be
            // dropped, and the round goes on without its reply
            if (e.errno() != Errno.ENOBUFS && e.errno() != Errno.EAGAIN) {
                throw e;
            }
        }
        return at;
    }

    /** From now on probes leave through a packet socket, and sync_packet_xmit stamps them. */
    private void usePacketSocket() {
        PacketSocket socket = PacketSocket.open(endpoint.ifindex, MAX_FRAME);
        try {
            endpoint.own(endpoint.object.program("sync_packet_xmit").attach());
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
        packets = socket;
        if (sender != null) {
            sender.close();
            sender = null;
        }
    }

    /** How many of {@code seqs} have their reply in. */
    private int answeredOf(List<Long> seqs) {
        int n = 0;
        for (long s : seqs) {
            n += replies.containsKey(s) ? 1 : 0;
        }
        return n;
    }

    /** True once the reply to {@code seq} is in; false at the deadline. */
    private boolean await(long seq, long deadlineNanos) {
        long begin = System.nanoTime();
        while (true) {
            drain();
            if (replies.containsKey(seq)) {
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadlineNanos) {
                return false;
            }
            ProbeTiming.backOff(now - begin);
        }
    }

    private void drain() {
        ring.drain((seg, off, len) -> {
            ProbeCodec.Reply r = ProbeCodec.readSample(seg, off);
            if (r.session() == key.sessionId()) {
                replies.put(r.seq(), r);
            }
        });
    }

    private ProbeRound assemble(SyncHost target, List<Long> seqs, long start) {
        Map<Long, ProbeCodec.Reply> followUps = new HashMap<>(); // by the seq they follow up
        for (long seq : seqs) {
            ProbeCodec.Reply r = replies.get(seq);
            if (r != null && r.prevT3() != 0) {
                followUps.put(r.prevSeq(), r);
            }
        }
        List<ProbeSample> oneStep = new ArrayList<>();
        List<ProbeSample> twoStep = new ArrayList<>();
        int answered = 0;
        for (long seq : seqs.subList(0, seqs.size() - 1)) { // the last one only carried a follow-up
            ProbeCodec.Reply r = replies.get(seq);
            if (r == null) {
                continue;
            }
            answered++;
            oneStep.add(new ProbeSample(seq, r.t1Prog(), r.t2(), r.t3Prog(), r.t4()));
            ProbeCodec.Reply f = followUps.get(seq);
            if (r.t1Xmit() != 0 && f != null) {
                // the floors: the latest stamps taken before the hand-offs (the programs' last instruction)
                long t3 = f.prevT3();
                twoStep.add(new ProbeSample(seq, r.t1Xmit(), r.t2(), t3, r.t4(), floor(r.t1Prog(), r.t1Floor(), r.t1Xmit()),
                        floor(r.t3Prog(), f.prevT3Floor(), t3)));
            }
        }
        replies.keySet().removeIf(seq -> seq <= seqs.getLast()); // with warm-ups and late ones
        String oneName = "xdp one-step";
        String twoName = strategy.stamps() == XdpStamps.ONE_STEP ? "xdp two-step" : strategy.method();
        boolean wantTwo = strategy.stamps() != XdpStamps.ONE_STEP;
        List<ProbeSample> chosen = wantTwo ? twoStep : oneStep;
        String method = strategy.method();
        if (wantTwo && twoStep.isEmpty() && !oneStep.isEmpty()) {
            if (warnedOneStep.add(target.name())) {
                LOG.warn("clock sync: {} gives no two-step stamps (generic XDP, or a driver without ndo_xdp_xmit);"
                        + " using one-step stamps for it", target.describe());
            }
            chosen = oneStep;
            method = oneName;
        }
        if (packets != null) { // say so: its forward leg is slower than the reply's (see docs/sync.md)
            method += ", " + PACKET_SOCKET;
        }
        int sent = seqs.size() - 1;
        return new ProbeRound(target.name(), method, sent, answered, chosen,
                Map.of(oneName, oneStep, twoName, twoStep), System.nanoTime() - start);
    }

    /** The later of two stamps taken before a hand-off (0 = not taken), never after the stamp taken after it. */
    private static long floor(long oneStep, long atReturn, long after) {
        return Math.min(after, Math.max(oneStep, atReturn));
    }

    /**
     * First contact: plain UDP requests through the stack until one is answered. The reply,
     * recorded by sync_xdp, holds the peer's and our own MAC address.
     */
    private byte[] hello(SyncHost target) {
        long start = System.nanoTime();
        long deadline = start + strategy.timeout().toNanos();
        List<Long> sent = new ArrayList<>();
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(self.address(), 0))) {
            byte[] payload = new byte[ProbeCodec.PROBE_SIZE];
            while (System.nanoTime() < deadline) {
                long seq = nextSeq++;
                ProbeCodec.writeRequest(ByteBuffer.wrap(payload), 0, key, seq);
                s.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(target.address(), strategy.port())));
                sent.add(seq);
                // any answer will do: the first may come only once ARP or ND has resolved the address
                long until = Math.min(System.nanoTime() + HELLO_EVERY_NANOS, deadline);
                for (long now = System.nanoTime(); now < until; now = System.nanoTime()) {
                    drain();
                    for (long q : sent) {
                        ProbeCodec.Reply r = replies.remove(q);
                        if (r != null) {
                            return ProbeCodec.requestFrame(r.peerMac(), r.ownMac(), self.address(), target.address(),
                                    strategy.port(), key, 0);
                        }
                    }
                    ProbeTiming.backOff(now - start);
                }
            }
        } catch (IOException e) {
            throw new LatScopeException("clock sync: sending a probe from " + self.describe() + " to "
                    + target.describe() + ": " + e.getMessage(), e);
        }
        throw ProbeTiming.noAnswer(self, target, strategy.port(), strategy.timeout(), strategy.method(),
                " (" + sent.size() + " first-contact probes through the stack went unanswered)");
    }

    private String counters() {
        return (packets != null ? "sent through a packet socket (this kernel refuses live XDP frames), "
                : "injected " + endpoint.counter(XdpEndpoint.C_INJECTED) + ", ") + "handed to the device "
                + endpoint.counter(XdpEndpoint.C_T1_XMIT) + ", replies recorded " + endpoint.counter(XdpEndpoint.C_RECORDED);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.close(() -> {
                if (sender != null) {
                    sender.close();
                }
                if (packets != null) {
                    packets.close();
                }
            });
        } finally {
            endpoint.close();
        }
    }

    @Override
    public String toString() {
        return "XdpInitiator[" + endpoint + "]";
    }
}
