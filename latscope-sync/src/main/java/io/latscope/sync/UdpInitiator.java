package io.latscope.sync;

import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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
        for (int i = 0; i < count + ProbeTiming.WARM_UP_PROBES; i++) {
            long seq = nextSeq++;
            ProbeCodec.writeRequest(ob, 0, key, seq);
            // stamp, then seal and send: the responder does the same between t3 and send
            long t1 = System.nanoTime();
            ProbeCodec.seal(ob, 0, key);
            socket.send(request);
            long deadline = t1 + ProbeTiming.PROBE_WAIT_NANOS;
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                reply.setLength(in.length);
                try {
                    socket.receive(reply);
                } catch (SocketTimeoutException e) {
                    break;
                }
                long t4 = System.nanoTime();
                ProbeCodec.Probe p = ProbeCodec.read(ib, 0, reply.getLength());
                if (p != null && p.type() == ProbeCodec.REPLY && p.session() == key.sessionId() && p.seq() == seq
                        && ProbeCodec.macOk(ib, 0, key)) {
                    samples.add(new ProbeSample(seq, t1, p.t2(), p.t3(), t4));
                    break;
                }
            }
            if (samples.isEmpty() && System.nanoTime() - start > strategy.timeout().toNanos()) {
                break;
            }
            ProbeTiming.until(t1 + spacing);
        }
        if (samples.isEmpty()) {
            throw ProbeTiming.noAnswer(self, target, strategy.port(), strategy.timeout(), strategy.method(), "");
        }
        long firstUsed = nextSeq - count;
        samples.removeIf(s -> s.seq() < firstUsed); // the warm-up probes
        return new ProbeRound(target.name(), strategy.method(), count, samples.size(), samples,
                Map.of(strategy.method(), samples), System.nanoTime() - start);
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
