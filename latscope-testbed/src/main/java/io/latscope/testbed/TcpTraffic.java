package io.latscope.testbed;

import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Real TCP traffic between two network namespaces, with the applications' own
 * CLOCK_MONOTONIC stamps ({@link System#nanoTime()} on Linux) as ground truth: every
 * message carries its send time in its first 8 bytes, and the receiver stamps the moment
 * the whole message has been read. All namespaces share one kernel clock.
 */
public final class TcpTraffic {
    private TcpTraffic() {
    }

    /** Result of a flow: one-way latencies of every message (ns), bytes moved, elapsed time, ports. */
    public record FlowResult(long[] oneWayNanos, long[] sentAtNanos, long bytes, long elapsedNanos, int clientPort,
                             int serverPort) {
        public double throughputBitsPerSecond() {
            return elapsedNanos == 0 ? 0 : bytes * 8.0 * 1e9 / elapsedNanos;
        }

        /** Percentile (0–100) of the one-way latencies, in ns. */
        public long percentile(double p) {
            if (oneWayNanos.length == 0) {
                return 0;
            }
            long[] s = oneWayNanos.clone();
            Arrays.sort(s);
            int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
            return s[Math.max(0, Math.min(s.length - 1, i))];
        }

        @Override
        public String toString() {
            return "FlowResult[" + oneWayNanos.length + " messages, " + bytes + " B, "
                    + String.format("%.1f Mbit/s", throughputBitsPerSecond() / 1e6)
                    + (oneWayNanos.length > 0 ? ", one-way p50 " + percentile(50) + " ns, p99 " + percentile(99) + " ns" : "")
                    + ", ports " + clientPort + "->" + serverPort + "]";
        }
    }

    /** Request/response result: client→server and server→client one-way latencies. */
    public record RoundTrips(FlowResult requests, FlowResult responses) {
    }

    /**
     * Sends {@code count} messages of {@code size} bytes (≥ 8) from {@code client} to a server
     * listening on {@code server}:{@code address}:{@code port}, {@code interval} apart (zero:
     * back to back). The receiver sleeps {@code readDelay} before each read (zero: none).
     */
    public static FlowResult messages(NetNs client, NetNs server, String address, int port, int size, int count,
                                      Duration interval, Duration readDelay) {
        if (size < 8) {
            throw new IllegalArgumentException("message size must be at least 8 bytes");
        }
        long[] lat = new long[count];
        long[] sent = new long[count];
        // NIO channels with direct buffers: the shortest way from a Java stamp to write(2)
        // and from read(2) back to a stamp, so the stamps sit close to the kernel's.
        Server srv = new Server(server, address, port, conn -> {
            SocketChannel ch = conn.getChannel();
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            Selector sel = readDelay.isZero() ? null : Selector.open();
            if (sel != null) {
                ch.configureBlocking(false);
                ch.register(sel, SelectionKey.OP_READ);
            }
            for (int i = 0; i < count; i++) {
                buf.clear();
                if (sel != null) {
                    // wait until data is readable, then sleep before reading it
                    sel.select();
                    sel.selectedKeys().clear();
                    LockSupport.parkNanos(readDelay.toNanos());
                }
                while (buf.hasRemaining()) {
                    int n = ch.read(buf);
                    if (n < 0) {
                        throw new IOException("peer closed after " + i + " of " + count + " messages");
                    }
                    if (n == 0 && sel != null) {
                        sel.select();
                        sel.selectedKeys().clear();
                    }
                }
                long now = System.nanoTime();
                sent[i] = buf.getLong(0);
                lat[i] = now - sent[i];
            }
            if (sel != null) {
                sel.close();
                ch.configureBlocking(true);
            }
            return (long) count * size;
        });
        int clientPort = client.run(() -> {
            try (SocketChannel ch = SocketChannel.open()) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().connect(new InetSocketAddress(InetAddress.getByName(address), srv.port()), 5000);
                ByteBuffer buf = ByteBuffer.allocateDirect(size);
                long next = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    if (!interval.isZero()) {
                        next += interval.toNanos();
                        pace(next);
                    }
                    buf.clear();
                    buf.putLong(0, System.nanoTime());
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
                int local = ch.socket().getLocalPort();
                awaitClose(ch.socket());
                return local;
            }
        });
        long[] r = srv.await(Duration.ofMinutes(2));
        return new FlowResult(lat, sent, r[0], r[1], clientPort, srv.port());
    }

    /** Bulk transfer: writes {@code writeSize}-byte chunks as fast as possible for {@code duration}. */
    public static FlowResult bulk(NetNs client, NetNs server, String address, int port, int writeSize, Duration duration) {
        Server srv = new Server(server, address, port, conn -> {
            InputStream in = conn.getInputStream();
            byte[] buf = new byte[1 << 20];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
            }
            return total;
        });
        int clientPort = client.run(() -> {
            try (Socket s = connect(address, srv.port())) {
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[writeSize];
                long end = System.nanoTime() + duration.toNanos();
                while (System.nanoTime() < end) {
                    out.write(buf);
                }
                s.shutdownOutput();
                awaitClose(s);
                return s.getLocalPort();
            }
        });
        long[] r = srv.await(Duration.ofMinutes(2));
        return new FlowResult(new long[0], new long[0], r[0], r[1], clientPort, srv.port());
    }

    /**
     * Closed-loop request/response: the client sends a {@code requestSize}-byte request, the
     * server reads it and answers {@code responseSize} bytes, {@code count} times.
     */
    public static RoundTrips requestResponse(NetNs client, NetNs server, String address, int port, int requestSize,
                                             int responseSize, int count) {
        long[] req = new long[count];
        long[] reqSent = new long[count];
        long[] resp = new long[count];
        long[] respSent = new long[count];
        Server srv = new Server(server, address, port, conn -> {
            conn.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(conn.getInputStream());
            OutputStream out = conn.getOutputStream();
            byte[] q = new byte[requestSize];
            byte[] a = new byte[responseSize];
            for (int i = 0; i < count; i++) {
                in.readFully(q);
                long now = System.nanoTime();
                reqSent[i] = ByteBuffer.wrap(q).getLong(0);
                req[i] = now - reqSent[i];
                ByteBuffer.wrap(a).putLong(0, System.nanoTime());
                out.write(a);
            }
            return (long) count * requestSize;
        });
        long[] clientSide = client.run(() -> {
            try (Socket s = connect(address, srv.port())) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                byte[] q = new byte[requestSize];
                byte[] a = new byte[responseSize];
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    ByteBuffer.wrap(q).putLong(0, System.nanoTime());
                    out.write(q);
                    in.readFully(a);
                    long now = System.nanoTime();
                    respSent[i] = ByteBuffer.wrap(a).getLong(0);
                    resp[i] = now - respSent[i];
                }
                return new long[] {s.getLocalPort(), System.nanoTime() - start};
            }
        });
        long[] r = srv.await(Duration.ofMinutes(2));
        FlowResult requests = new FlowResult(req, reqSent, r[0], r[1], (int) clientSide[0], srv.port());
        FlowResult responses = new FlowResult(resp, respSent, (long) count * responseSize, clientSide[1], srv.port(),
                (int) clientSide[0]);
        return new RoundTrips(requests, responses);
    }

    /**
     * Waits until {@code deadline} (System.nanoTime): parks for most of it, then spins the
     * last stretch so the sender is awake and warm when it stamps and writes.
     */
    private static void pace(long deadline) {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 200_000) {
            LockSupport.parkNanos(wait - 150_000);
        }
        while (deadline - System.nanoTime() > 0) {
            Thread.onSpinWait();
        }
    }

    private static Socket connect(String address, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getByName(address), port), 5000);
        return s;
    }

    /** Waits for the peer to close, so the last bytes are read before the socket goes away. */
    private static void awaitClose(Socket s) throws IOException {
        if (!s.isOutputShutdown()) {
            s.shutdownOutput();
        }
        s.setSoTimeout(60_000);
        InputStream in = s.getInputStream();
        while (in.read() >= 0) {
            // drain until EOF
        }
    }

    @FunctionalInterface
    private interface ConnectionHandler {
        long handle(Socket conn) throws Exception;
    }

    /** A one-connection server on its own thread inside a namespace. */
    private static final class Server {
        private final CompletableFuture<long[]> done = new CompletableFuture<>();
        private final CountDownLatch listening = new CountDownLatch(1);
        private volatile int port;
        private volatile Throwable bindFailure;

        Server(NetNs ns, String address, int requestedPort, ConnectionHandler handler) {
            Thread.ofPlatform().daemon().name("testbed-server-" + ns.name()).start(() -> {
                try {
                    ns.enterOnThisThread();
                    long[] result;
                    try (ServerSocket ss = ServerSocketChannel.open().socket()) {
                        ss.setReuseAddress(true);
                        bind(ss, new InetSocketAddress(InetAddress.getByName(address), requestedPort));
                        port = ss.getLocalPort();
                        listening.countDown();
                        ss.setSoTimeout(30_000);
                        try (Socket c = ss.accept()) {
                            long start = System.nanoTime();
                            long bytes = handler.handle(c);
                            long elapsed = System.nanoTime() - start;
                            c.shutdownOutput();
                            result = new long[] {bytes, elapsed};
                        }
                    }
                    // only now is the port free for the next server
                    done.complete(result);
                } catch (Throwable t) {
                    bindFailure = t;
                    listening.countDown();
                    done.completeExceptionally(t);
                }
            });
            try {
                if (!listening.await(10, TimeUnit.SECONDS)) {
                    throw new LatScopeException("test server in " + ns + " did not start listening");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LatScopeException("interrupted", e);
            }
            if (bindFailure != null) {
                throw new LatScopeException("test server on " + address + ":" + requestedPort + " in " + ns + ": "
                        + bindFailure.getMessage(), bindFailure);
            }
        }

        /**
         * Binds, retrying for up to 2 s while the port is in use: back-to-back runs on one
         * port sometimes find the previous run's sockets not yet released by the kernel.
         */
        private static void bind(ServerSocket ss, InetSocketAddress at) throws IOException {
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (true) {
                try {
                    ss.bind(at);
                    return;
                } catch (java.net.BindException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(20_000_000);
                }
            }
        }

        int port() {
            return port;
        }

        long[] await(Duration timeout) {
            try {
                return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new LatScopeException("test server failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new LatScopeException("test server did not finish within " + timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LatScopeException("interrupted", e);
            }
        }
    }
}
