package io.latscope.examples.echo;

import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small TCP echo service in a network namespace: whatever a client sends comes back.
 * One platform thread per connection. {@link #close()} stops it and closes every connection.
 */
public final class EchoServer implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final Thread acceptor;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> handlers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private EchoServer(ServerSocketChannel listener, String name) {
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().daemon().name("echo-accept-" + name).start(this::acceptLoop);
    }

    /** Listens on {@code address:port} inside {@code ns} (port 0: any free port). */
    public static EchoServer start(NetNs ns, String address, int port) {
        // the socket belongs to the namespace it was made in, whichever thread uses it later
        ServerSocketChannel ch = ns.run(() -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        });
        return new EchoServer(ch, ns.name());
    }

    public int port() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new LatScopeException("echo server: " + e.getMessage(), e);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = listener.accept();
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connections.add(c);
                handlers.add(Thread.ofPlatform().daemon().name("echo-" + c.getRemoteAddress()).start(() -> echo(c)));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void echo(SocketChannel c) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try (c) {
            while (c.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
                buf.clear();
            }
        } catch (IOException e) {
            // the client went away, or close() closed the connection
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            listener.close();
            for (SocketChannel c : connections) {
                c.close();
            }
            acceptor.join(Duration.ofSeconds(5));
            for (Thread t : handlers) {
                t.join(Duration.ofSeconds(5));
            }
        } catch (IOException e) {
            throw new LatScopeException("closing the echo server: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
