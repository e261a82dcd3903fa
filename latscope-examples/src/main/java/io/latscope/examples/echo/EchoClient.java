package io.latscope.examples.echo;

import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A connection to an {@link EchoServer}, made in the client's namespace; not thread-safe. */
public final class EchoClient implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer request;
    private final ByteBuffer reply;

    private EchoClient(SocketChannel channel, int messageBytes) {
        this.channel = channel;
        this.request = ByteBuffer.allocateDirect(messageBytes);
        this.reply = ByteBuffer.allocateDirect(messageBytes);
    }

    /** Connects from {@code ns} to {@code address:port}; each round trip sends {@code messageBytes}. */
    public static EchoClient connect(NetNs ns, String address, int port, int messageBytes) {
        SocketChannel ch = ns.run(() -> {
            SocketChannel s = SocketChannel.open();
            try {
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                s.connect(new InetSocketAddress(InetAddress.getByName(address), port));
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        });
        return new EchoClient(ch, messageBytes);
    }

    /** Sends one message and reads its echo; returns the round-trip time in nanoseconds. */
    public long roundTrip() {
        try {
            long start = System.nanoTime();
            request.clear();
            request.putLong(0, start);
            while (request.hasRemaining()) {
                channel.write(request);
            }
            reply.clear();
            while (reply.hasRemaining()) {
                if (channel.read(reply) < 0) {
                    throw new LatScopeException("the echo server closed the connection");
                }
            }
            return System.nanoTime() - start;
        } catch (IOException e) {
            throw new UncheckedIOException("echo round trip", e);
        }
    }

    public int localPort() {
        return channel.socket().getLocalPort();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the echo connection", e);
        }
    }
}
