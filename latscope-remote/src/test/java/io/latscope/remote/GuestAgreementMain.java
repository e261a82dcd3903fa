package io.latscope.remote;

import io.latscope.FlowKey;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.MarkerPath;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.ApplicationAgreement;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TcpTraffic;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Run in the guest VM ({@link GuestKernelTest}) with this JVM's class path: a local session
 * on the guest's kernel, tcpstamp messages between its namespaces {@code gc} and {@code gs}
 * (guest addresses 10.119.0.1 → .2), and the host's agreement check of every marker's
 * END_TO_END against the application's own stamps ({@link ApplicationAgreement}; one
 * kernel, one clock), with the crossings of an emulated machine. Prints the report and {@code AGREEMENT OK}, or throws.
 * Arguments: port, messages.
 */
public final class GuestAgreementMain {
    private GuestAgreementMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
        TcpTraffic.FlowResult app;
        LatencyReport r;
        try (LatScopeSession s = LatScope.builder().ports(port).stride(1024).namespaces("gc", "gs").start(paths::add)) {
            app = NativeTraffic.messages(NetNs.named("gc"), NetNs.named("gs"), "10.119.0.2", port, 1024, count,
                    Duration.ofMillis(2), Duration.ZERO);
            s.close();
            r = s.snapshot();
        }
        System.out.println(r);
        FlowKey key = new FlowKey(InetAddress.getByName("10.119.0.1"), app.clientPort(), InetAddress.getByName("10.119.0.2"), port);
        List<MarkerPath> flow = paths.stream().filter(m -> m.record().flow().equals(key)).toList();
        for (MarkerPath m : flow) {
            if (m.sumOfHopsNanos() != m.endToEndNanos()) {
                throw new AssertionError("hops do not add up to END_TO_END: " + m);
            }
        }
        System.out.println(ApplicationAgreement.assertEndToEndMatches(flow, app, ApplicationAgreement.CLOCK_ERROR_NANOS,
                ApplicationAgreement.Crossings.EMULATED));
        System.out.printf("AGREEMENT OK markers %d app p50 %d ns p99 %d ns END_TO_END p50 %d ns p99 %d ns%n", flow.size(),
                app.percentile(50), app.percentile(99), r.hop(io.latscope.Hop.END_TO_END).percentileNanos(50),
                r.hop(io.latscope.Hop.END_TO_END).percentileNanos(99));
    }
}
