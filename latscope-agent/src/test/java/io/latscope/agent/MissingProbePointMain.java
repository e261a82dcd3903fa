package io.latscope.agent;

import io.latscope.*;

import io.latscope.bpf.NetNs;
import io.latscope.testbed.NativeTraffic;

import java.time.Duration;

/**
 * Child-process entry of {@link SessionConditionsTest}: measures traffic between two
 * existing namespaces (args: client, server, server address, port) and prints the report.
 */
public final class MissingProbePointMain {
    private MissingProbePointMain() {
    }

    public static void main(String[] args) {
        NetNs a = NetNs.named(args[0]);
        NetNs b = NetNs.named(args[1]);
        int port = Integer.parseInt(args[3]);
        try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(port).stride(1024).start()) {
            NativeTraffic.messages(a, b, args[2], port, 1024, 500, Duration.ofMillis(1), Duration.ZERO);
            s.close();
            LatencyReport r = s.snapshot();
            System.out.print(r);
            System.out.println("END_TO_END count " + r.hop(Hop.END_TO_END).count());
            s.unavailable().forEach((h, why) -> System.out.println("UNAVAILABLE " + h + " :: " + why));
        }
    }
}
