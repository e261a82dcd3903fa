package io.latscope.examples;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.bpf.BpfEnvironment;
import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import io.latscope.report.RunRecorder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.latscope.Layer.*;

/**
 * The README's main job: two network namespaces joined by a veth pair, real TCP traffic
 * between them, and where its latency goes, hop by hop.
 */
public final class Demo {
    private Demo() {
    }

    /**
     * @param args optional: the directory for the sessions' run directories and HTML reports
     *             (default latscope-examples/target/demo in a checkout, else ./latscope-demo)
     */
    public static void main(String[] args) {
        Path out = args.length > 0 ? Path.of(args[0])
                : Files.isDirectory(Path.of("latscope-examples")) ? Path.of("latscope-examples", "target", "demo")
                : Path.of("latscope-demo");
        try {
            run(out);
        } catch (LatScopeException e) {
            System.err.println("demo failed: " + e.getMessage());
            System.exit(1);
        }
    }

    static void run(Path out) {
        BpfEnvironment.check();
        try (TestNetwork net = TestNetwork.create()) {
            NetNs client = net.namespace("client");
            NetNs server = net.namespace("server");
            net.veth("client", "10.99.0.1/24", "server", "10.99.0.2/24");
            System.out.printf("two hosts: %s (10.99.0.1) and %s (10.99.0.2), joined by a veth pair%n%n",
                    client.name(), server.name());

            RunRecorder rr = RunRecorder.create(out.resolve("request-response"));
            try (rr; LatScopeSession s = LatScope.builder()
                    .layers(SOCKET, TCP, IP, DEV, VETH)
                    .namespaces(client.spec(), server.spec())
                    .ports(5001)
                    .stride(4096)
                    .label("demo request-response")
                    .interval(Duration.ofMillis(250))
                    .start(rr)) {
                TcpTraffic.RoundTrips rt = TcpTraffic.requestResponse(client, server, "10.99.0.2", 5001, 512, 1024, 20_000);
                System.out.println("== request/response: 20 000 exchanges of 512 B requests and 1 KiB responses ==");
                System.out.println("the application's own one-way latency (its CLOCK_MONOTONIC stamps): requests "
                        + oneWay(rt.requests()) + "; responses " + oneWay(rt.responses()));
                s.close();
                print(s.snapshot());
                System.out.println("HTML report (charts): " + rr.finish(s.snapshot(), "demo request-response").toAbsolutePath());
                System.out.println();
            }

            RunRecorder br = RunRecorder.create(out.resolve("bulk"));
            try (br; LatScopeSession s = LatScope.builder()
                    .layers(SOCKET, TCP, IP, DEV, VETH)
                    .namespaces(client.spec(), server.spec())
                    .ports(5002)
                    .label("demo bulk")
                    .interval(Duration.ofMillis(250))
                    .start(br)) {
                TcpTraffic.FlowResult bulk = TcpTraffic.bulk(client, server, "10.99.0.2", 5002, 64 * 1024,
                        Duration.ofSeconds(3));
                System.out.println("== bulk transfer for 3 s (one marker per 256 KiB) ==");
                System.out.printf(java.util.Locale.ROOT, "the application sent %d B in %.2f s: %.1f Mbit/s by its own"
                        + " count%n", bulk.bytes(), bulk.elapsedNanos() / 1e9, bulk.throughputBitsPerSecond() / 1e6);
                s.close();
                print(s.snapshot());
                System.out.println("HTML report (charts): " + br.finish(s.snapshot(), "demo bulk").toAbsolutePath());
            }
        }
    }

    private static String oneWay(TcpTraffic.FlowResult f) {
        return String.format(java.util.Locale.ROOT, "p50 %.1f µs, p99 %.1f µs over %d messages", f.percentile(50) / 1e3,
                f.percentile(99) / 1e3, f.oneWayNanos().length);
    }

    private static void print(LatencyReport r) {
        System.out.println(r);
    }
}
