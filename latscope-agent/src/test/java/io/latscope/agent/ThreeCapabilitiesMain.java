package io.latscope.agent;

import io.latscope.HopStats;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.Namespace;
import io.latscope.bpf.Feature;
import io.latscope.bpf.FeatureStatus;
import io.latscope.bpf.Features;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-process entry of {@link CapabilitiesTest}, started with exactly CAP_BPF, CAP_PERFMON
 * and CAP_NET_ADMIN inside a test namespace (args: port of a server there, name of another
 * namespace). Exits 4 when it has other capabilities than those three; prints its
 * findings as lines the test reads.
 */
public final class ThreeCapabilitiesMain {
    /** CAP_NET_ADMIN (12), CAP_PERFMON (38), CAP_BPF (39). */
    static final long THREE = (1L << 12) | (1L << 38) | (1L << 39);

    private ThreeCapabilitiesMain() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:") || line.startsWith("CapEff:")) {
                System.out.println(line);
            }
            if (line.startsWith("CapEff:") && Long.parseUnsignedLong(line.substring(7).strip(), 16) != THREE) {
                System.err.println("expected exactly CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (CapEff "
                        + Long.toHexString(THREE) + "), have " + line);
                System.exit(4);
            }
        }
        System.out.println("PID " + ProcessHandle.current().pid());
        Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max locked memory"))
                .forEach(System.out::println);
        FeatureStatus xdp = Features.probe(Feature.XDP);
        System.out.println("FEATURE XDP " + xdp.outcome() + " :: " + xdp.reason());
        try (LatScopeSession s = LatScope.builder().namespaces(Namespace.named(args[1])).ports(port).start()) {
            System.out.println("OTHER NAMESPACE started " + s);
        } catch (LatScopeException e) {
            System.out.println("OTHER NAMESPACE " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        LatencyReport r;
        try (LatScopeSession s = LatScope.builder().ports(port).start()) {
            bulk(port, 2_000);
            s.close();
            r = s.snapshot();
        }
        System.out.print(r);
        for (HopStats h : r.hops()) {
            System.out.println("HOP " + h.hop() + " " + h.count());
        }
        r.unavailable().forEach((h, why) -> System.out.println("UNAVAILABLE " + h + " :: " + why));
        r.notMeasured().forEach((what, why) -> System.out.println("NOT MEASURED " + what + " :: " + why));
        r.probeCosts().forEach(c -> System.out.println("PROBE COST " + c.attachPoint() + " " + c.runs()));
        r.processes().forEach(p -> System.out.println("PROCESS " + p.pid() + " " + p.command()));
    }

    /** Writes 64 KiB at a time to the server for {@code millis}, then waits until it has read everything. */
    private static void bulk(int port, long millis) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            OutputStream out = c.getOutputStream();
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                out.write(chunk);
            }
            c.shutdownOutput();
            if (c.getInputStream().read() != -1) { // the server closes once it has read all
                throw new IOException("the server sent data");
            }
        }
    }
}
