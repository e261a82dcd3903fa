package io.latscope.sync;

import io.latscope.error.LatScopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The user-space baseline: a UDP socket on the host's address that answers probes, with
 * t2 and t3 from {@link System#nanoTime()} (CLOCK_MONOTONIC, the clock BPF stamps with)
 * right after {@code receive} returns and right before {@code send}.
 */
public final class UdpResponder implements SyncResponder {
    private static final Logger LOG = LoggerFactory.getLogger(UdpResponder.class);

    private final SyncHost host;
    private final DatagramSocket socket;
    private final Thread thread;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong wrongKey = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean closed;

    private UdpResponder(SyncHost host, DatagramSocket socket, SessionKey key) {
        this.host = host;
        this.socket = socket;
        this.thread = Thread.ofPlatform().daemon().name("latscope-sync-udp-" + host.name()).unstarted(() -> {
            host.netns().enterOnThisThread();
            serve(key);
        });
    }

    /**
     * Binds {@code host}'s address and port inside its namespace and starts answering.
     *
     * @param host where to answer
     * @param port the UDP port to bind
     * @param key  the session key the initiator uses
     * @return the running responder; close it
     * @throws LatScopeException when the port cannot be bound within 10 s
     */
    public static UdpResponder start(SyncHost host, int port, SessionKey key) {
        CompletableFuture<DatagramSocket> bound = new CompletableFuture<>();
        // the socket must be made inside the namespace: bind on a thread there
        Thread.ofPlatform().name("latscope-sync-bind-" + host.name()).start(() -> {
            try {
                host.netns().enterOnThisThread();
                bound.complete(new DatagramSocket(new InetSocketAddress(host.address(), port)));
            } catch (Throwable t) {
                bound.completeExceptionally(t);
            }
        });
        DatagramSocket s;
        try {
            s = bound.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new LatScopeException("clock sync host " + host.describe() + ": cannot bind UDP port " + port + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            throw new LatScopeException("clock sync host " + host.name() + ": binding UDP port " + port + " did not finish", e);
        }
        UdpResponder r = new UdpResponder(host, s, key);
        r.thread.start();
        return r;
    }

    private void serve(SessionKey key) {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        ByteBuffer b = ByteBuffer.wrap(buf);
        while (!closed) {
            try {
                p.setLength(buf.length);
                socket.receive(p);
                long t2 = System.nanoTime();
                ProbeCodec.Probe probe = ProbeCodec.read(b, 0, p.getLength());
                if (probe == null || probe.type() != ProbeCodec.REQUEST) {
                    malformed.incrementAndGet();
                    continue;
                }
                if (!ProbeCodec.macOk(b, 0, key)) {
                    wrongKey.incrementAndGet();
                    continue;
                }
                long t3 = System.nanoTime();
                ProbeCodec.makeReply(b, 0, key, t2, t3);
                socket.send(p);
                answered.incrementAndGet();
            } catch (SocketException e) {
                if (!closed) {
                    LOG.warn("clock sync responder on {} stopped: {}", host.name(), e.toString());
                }
                return;
            } catch (IOException e) {
                LOG.warn("clock sync responder on {}: {}", host.name(), e.toString());
            }
        }
    }

    @Override
    public SyncHost host() {
        return host;
    }

    @Override
    public ResponderStats stats() {
        return new ResponderStats(answered.get(), wrongKey.get(), malformed.get(), 0, 0, 0);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
