// LatScope at the jshell prompt: imports and a few helpers; scripts/jshell loads this. As root:
//
//   var net = twoHosts();                                   // namespaces client and server, a veth between
//   var s = LatScope.builder().namespaces(client(net), server(net)).ports(5001).stride(1024).start();
//   exchange(net, 5001, 2000);                              // request/response traffic
//   println(s.snapshot())                                   // a table: every hop's count, p50, p90, p99, max, mean
//                                                           // (a bare s.snapshot() shows it too, cut in the middle)
//   s.snapshot().hop(TX_TCP)                                // one hop; .printDistribution(System.out): every percentile
//   distributions(s.snapshot())                             // that, for every hop
//   s.snapshot().writeHlog(Path.of("run.hlog"))             // for HdrHistogram's tools
//   s.close(); net.close();
import io.latscope.*;
import io.latscope.testbed.*;
import io.latscope.examples.TwoHosts;
import java.nio.file.*;
import java.time.Duration;
import static io.latscope.Hop.*;

/** Namespaces client (10.97.0.1) and server (10.97.0.2) joined by a veth pair; deleted by close(), or when jshell exits. */
TestNetwork twoHosts() {
    TestNetwork net = TwoHosts.create();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
            net.close();
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
        }
    }));
    return net;
}

Namespace client(TestNetwork net) {
    return TwoHosts.client(net);
}

Namespace server(TestNetwork net) {
    return TwoHosts.server(net);
}

/** {@code count} exchanges on {@code port}: 512-byte requests from client to server, 1 KiB responses back. */
TcpTraffic.RoundTrips exchange(TestNetwork net, int port, int count) {
    return TcpTraffic.requestResponse(TwoHosts.clientNs(net), TwoHosts.serverNs(net), TwoHosts.SERVER_ADDRESS, port, 512, 1024, count);
}

/** Every hop's percentile distribution, as HdrHistogram prints it (µs). */
void distributions(LatencyReport r) {
    r.hops().forEach(h -> h.printDistribution(System.out));
}
