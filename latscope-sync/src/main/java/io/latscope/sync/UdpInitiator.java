package io.latscope.sync;

import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The user-space baseline's initiator: the probe protocol over a plain UDP socket, with
 * t1 right before {@code send} and t4 right after {@code receive} returns, from
 * {@link System#nanoTime()} (CLOCK_MONOTONIC).
 */
public final class UdpInitiator implements SyncInitiator {
    private final SyncHost self;
    private final SessionKey key;
    private final SyncStrategy strategy;
    private final NsThread thread;
    private DatagramSocket socket; // confined to thread
    private long nextSeq = 1;
    private boolean closed;

    private UdpInitiator(SyncHost self, SessionKey key, SyncStrategy strategy) {
        this.self = self;
        this.key = key;
        this.strategy = strategy;
        this.thread = new NsThread(self.netns(), "latscope-sync-udp-" + self.name());
    }

    /**
     * Opens a UDP socket on {@code self}'s address, inside its namespace.
     *
     * @param self     the reference host
     * @param key      the session key the responders have
     * @param strategy the probes' port, spacing and timeout
     * @return the initiator; close it
     * @throws LatScopeException when the socket cannot be opened
     */
    public static UdpInitiator start(SyncHost self, SessionKey key, SyncStrategy strategy) {
        UdpInitiator i = new UdpInitiator(self, key, strategy);
        try {
            i.thread.call(() -> {
                i.socket = new DatagramSocket(new InetSocketAddress(self.address(), 0));
                return null;
            });
            return i;
        } catch (RuntimeException e) {
            i.close();
            throw new LatScopeException("clock sync: cannot open a UDP socket on " + self.describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SyncHost host() {
        return self;
    }

    @Override
    public synchronized ProbeRound probe(SyncHost target, int count) {
        ProbeTiming.requireProbeable(closed, "UDP", self, target);
        return thread.call(() -> round(target, count));
    }

    private ProbeRound round(SyncHost target, int count) throws IOException {
        long start = System.nanoTime();
        long spacing = strategy.spacing().toNanos();
        byte[] out = new byte[ProbeCodec.PROBE_SIZE];
        byte[] in = new byte[2048];
        ByteBuffer ob = ByteBuffer.wrap(out);
        ByteBuffer ib = ByteBuffer.wrap(in);
        DatagramPacket request = new DatagramPacket(out, out.length, new InetSocketAddress(target.address(), strategy.port()));
        DatagramPacket reply = new DatagramPacket(in, in.length);
        List<ProbeSample> samples = new ArrayList<>(count + ProbeTiming.WARM_UP_PROBES);
        // this round's probes not answered yet, by seq: a peer farther than one probe's wait
        // answers each while later ones are on their way, and a late reply still counts
        Map<Long, Long> outstanding = new HashMap<>();
        long last = -1;
        for (int i = 0; i < count + ProbeTiming.WARM_UP_PROBES; i++) {
            long seq = nextSeq++;
            last = seq;
            ProbeCodec.writeRequest(ob, 0, key, seq);
            // stamp, then seal and send: the responder does the same between t3 and send
            long t1 = System.nanoTime();
            ProbeCodec.seal(ob, 0, key);
            socket.send(request);
            outstanding.put(seq, t1);
            receive(reply, ib, outstanding, samples, seq, t1 + ProbeTiming.PROBE_WAIT_NANOS);
            if (samples.isEmpty() && System.nanoTime() - start > strategy.timeout().toNanos()) {
                break;
            }
            ProbeTiming.until(t1 + spacing);
        }
        // a peer farther than one probe's wait: every reply is late, so the round waits for
        // them until the timeout (a peer that answers in time keeps its rounds as they were)
        if (samples.isEmpty() && outstanding.containsKey(last)) {
            receive(reply, ib, outstanding, samples, last, start + strategy.timeout().toNanos());
        }
        if (samples.isEmpty()) {
            throw ProbeTiming.noAnswer(self, target, strategy.port(), strategy.timeout(), strategy.method(), "");
        }
        long firstUsed = nextSeq - count;
        samples.removeIf(s -> s.seq() < firstUsed); // the warm-up probes
        samples.sort(Comparator.comparingLong(ProbeSample::seq)); // late replies came in after later ones
        return new ProbeRound(target.name(), strategy.method(), count, samples.size(), samples,
                Map.of(strategy.method(), samples), System.nanoTime() - start);
    }

    /**
     * Takes replies until the one to {@code until} is in or the deadline passes; each reply
     * of this round becomes a sample with its own send stamp.
     */
    private void receive(DatagramPacket reply, ByteBuffer ib, Map<Long, Long> outstanding, List<ProbeSample> samples,
                         long until, long deadlineNanos) throws IOException {
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            reply.setLength(reply.getData().length);
            try {
                socket.receive(reply);
            } catch (SocketTimeoutException e) {
                return;
            }
            long t4 = System.nanoTime();
            ProbeCodec.Probe p = ProbeCodec.read(ib, 0, reply.getLength());
            if (p != null && p.type() == ProbeCodec.REPLY && p.session() == key.sessionId()
                    && outstanding.containsKey(p.seq()) && ProbeCodec.macOk(ib, 0, key)) {
                samples.add(new ProbeSample(p.seq(), outstanding.remove(p.seq()), p.t2(), p.t3(), t4));
                if (p.seq() == until) {
                    return;
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        thread.close(() -> {
            if (socket != null) {
                socket.close();
            }
        });
    }
}
