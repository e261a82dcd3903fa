package io.latscope.examples.jmh;

import io.latscope.bpf.BpfEnvironment;
import io.latscope.bpf.NetNs;
import io.latscope.examples.TwoHosts;
import io.latscope.examples.echo.EchoClient;
import io.latscope.examples.echo.EchoServer;
import io.latscope.jmh.LatScopeProfiler;
import io.latscope.testbed.TestNetwork;
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
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.concurrent.TimeUnit;

/**
 * Round trips to a small TCP echo service in another network namespace, with the LatScope
 * profiler saying where each iteration's latency went, hop by hop.
 *
 * <p>The namespaces must exist before JMH starts (the profiler's session starts before
 * the benchmark's {@code @Setup} and measures the namespaces it is given), so
 * {@link #main(String[])} makes them and passes their names as parameters. The echo
 * server lives in the server namespace; the client socket is made in the client namespace
 * and then used by the JMH thread, wherever that thread is.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class EchoBenchmark {
    public static final int PORT = 47501;
    /** With 1 KiB messages: one marker every fourth message, each way. */
    public static final int STRIDE = 4096;

    @Param("")
    public String clientNs;
    @Param("")
    public String serverNs;
    @Param(TwoHosts.SERVER_ADDRESS)
    public String serverAddress;
    @Param("1024")
    public int messageBytes;

    private EchoServer server;

    @Setup(Level.Trial)
    public void startServer() {
        server = EchoServer.start(NetNs.named(serverNs), serverAddress, PORT);
    }

    @TearDown(Level.Trial)
    public void stopServer() {
        server.close();
    }

    /** One connection per benchmark thread, opened after the server started. */
    @State(Scope.Thread)
    public static class Connection {
        EchoClient client;

        @Setup(Level.Trial)
        public void connect(EchoBenchmark b) {
            client = EchoClient.connect(NetNs.named(b.clientNs), b.serverAddress, PORT, b.messageBytes);
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    @Benchmark
    public long roundTrip(Connection c) {
        return c.client.roundTrip();
    }

    /** The options for a run over {@code net} (made by {@link TwoHosts#create()}), with the profiler. */
    public static ChainedOptionsBuilder options(TestNetwork net) {
        String client = TwoHosts.client(net).name();
        String server = TwoHosts.server(net).name();
        return new OptionsBuilder()
                .include(EchoBenchmark.class.getName() + ".roundTrip")
                .param("clientNs", client)
                .param("serverNs", server)
                .addProfiler(LatScopeProfiler.class, "layers=SOCKET,TCP,IP,DEV,VETH;ports=" + PORT + ";namespaces=" + client
                        + "," + server + ";stride=" + STRIDE + ";percentiles=50,99")
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED");
    }

    /** Makes the two namespaces, runs the benchmark (one fork, 3 + 5 iterations of 2 s), deletes them. */
    public static void main(String[] args) throws RunnerException {
        BpfEnvironment.check();
        try (TestNetwork net = TwoHosts.create()) {
            new Runner(options(net).forks(1)
                    .warmupIterations(3).warmupTime(TimeValue.seconds(2))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(2))
                    .build()).run();
        }
    }
}
