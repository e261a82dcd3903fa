package io.latscope.bench;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.bpf.BpfLink;
import io.latscope.bpf.BpfObject;
import io.latscope.bpf.BpfProgram;
import io.latscope.bpf.BpfStats;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.time.Duration;

/**
 * Probe self-cost: mean nanoseconds per run of every LatScope probe program, from the
 * kernel's own statistics (bpf_stats), next to an empty tp_btf program on net_dev_queue
 * measured in the same run — the floor any probe pays. Traffic: bulk and request/response
 * between two namespaces; at strides from "a marker in every segment" (1 KiB) to 1 MiB.
 */
public final class ProbeCostBench {
    private ProbeCostBench() {
    }

    public static void main(String[] args) {
        Bench.header("Probe self-cost (kernel bpf_stats, mean ns per run)");
        for (int stride : new int[] {1024, 64 * 1024, 256 * 1024, 1024 * 1024}) {
            run(stride, true);
        }
        run(256 * 1024, false); // without the system-call programs: rx.app emits itself then
    }

    static void run(int stride, boolean syscallBoundaries) {
        try (TestNetwork net = TestNetwork.create();
             BpfObject floorObj = BpfObject.openResource(io.latscope.agent.LocalSession.class, "probes.bpf.o", "probes")) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.98.0.1/24", "b", "10.98.0.2/24");
            for (BpfProgram p : floorObj.programs()) {
                p.setAutoload(p.name().equals("empty_floor"));
            }
            floorObj.load();
            BpfProgram floor = floorObj.program("empty_floor");
            LatencyReport r;
            BpfStats.ProgramRunStats f;
            try (BpfLink l = floor.attach();
                 LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5001).stride(stride)
                         .syscallBoundaries(syscallBoundaries).start()) {
                TcpTraffic.bulk(a, b, "10.98.0.2", 5001, 64 * 1024, Duration.ofSeconds(3));
                TcpTraffic.requestResponse(a, b, "10.98.0.2", 5001, 256, 1024, 10_000);
                r = s.snapshot();
                f = BpfStats.of(floor);
            }
            System.out.println();
            System.out.println("stride " + stride + " B" + (syscallBoundaries ? "" : ", syscall boundaries off")
                    + "; empty tp_btf program (floor): " + Bench.fmt("%.0f ns", f.meanNanos())
                    + " over " + f.runCount() + " runs");
            System.out.println();
            System.out.println("| probe | runs | mean ns | x floor |");
            System.out.println("|---|---|---|---|");
            for (ProbeCost c : r.probeCosts()) {
                System.out.println(Bench.fmt("| %s | %d | %.0f | %.2f |", c.attachPoint(), c.runs(), c.meanNanos(),
                        c.meanNanos() / f.meanNanos()));
            }
            System.out.println(Bench.fmt("%nmarkers matched %d, ring-buffer drops %d", r.counters().markersMatched(),
                    r.counters().ringBufferDrops()));
        }
    }
}
