package io.latscope.jmh;

import io.latscope.bpf.NetNs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * For {@link ProfilerRunTest}: 1 KiB round trips over loopback inside namespace {@link #ns},
 * to an echo thread; fails the setup of iteration {@link #failInIteration} if asked to.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LoopbackBenchmark {
    public static final int PORT = 47531;

    @Param("")
    public String ns;
    /** 1-based, warmup included; 0: never. */
    @Param("0")
    public int failInIteration;

    private ServerSocketChannel listener;
    private SocketChannel client;
    private Thread echo;
    private int iteration;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1024);

    @Setup(Level.Trial)
    public void open() {
        NetNs n = NetNs.named(ns);
        listener = n.run(() -> ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT)));
        echo = Thread.ofPlatform().daemon().start(() -> {
            ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
            try (SocketChannel c = listener.accept()) {
                while (c.read(b) >= 0) {
                    b.flip();
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    b.clear();
                }
            } catch (IOException e) {
                // closed
            }
        });
        client = n.run(() -> {
            SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT));
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return c;
        });
    }

    @Setup(Level.Iteration)
    public void maybeFail() {
        if (++iteration == failInIteration) {
            throw new IllegalStateException("failing iteration " + iteration + " on purpose");
        }
    }

    @Benchmark
    public int roundTrip() throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            client.write(buf);
        }
        buf.clear();
        while (buf.hasRemaining()) {
            client.read(buf);
        }
        return buf.get(0);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        client.close();
        listener.close();
        echo.join();
    }
}
