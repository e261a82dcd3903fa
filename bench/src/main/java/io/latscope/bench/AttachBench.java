package io.latscope.bench;

import io.latscope.bpf.BpfLink;
import io.latscope.bpf.BpfObject;
import io.latscope.bpf.BpfProgram;

import java.util.ArrayList;
import java.util.List;

/**
 * Load, attach and detach time of LatScope's ten tp_btf probe programs (probes.bpf.o),
 * median of 30 rounds.
 */
public final class AttachBench {
    static final List<String> TP_BTF = List.of("tx_sock", "tx_dev", "tx_xmit", "rx_dev_netif_rx", "rx_dev_gro",
            "rx_dev_receive", "rx_dev_receive_list", "rx_tcp", "rx_sock", "rx_app");

    private AttachBench() {
    }

    public static void main(String[] args) {
        int rounds = 30;
        double[] load = new double[rounds];
        double[] attach = new double[rounds];
        double[] detach = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            try (BpfObject o = BpfObject.openResource(io.latscope.agent.LocalSession.class, "probes.bpf.o", "probes")) {
                for (BpfProgram p : o.programs()) {
                    p.setAutoload(TP_BTF.contains(p.name()));
                }
                o.load();
                long t1 = System.nanoTime();
                List<BpfLink> links = new ArrayList<>();
                for (String name : TP_BTF) {
                    links.add(o.program(name).attach());
                }
                long t2 = System.nanoTime();
                links.forEach(BpfLink::close);
                long t3 = System.nanoTime();
                load[r] = (t1 - t0) / 1e6;
                attach[r] = (t2 - t1) / 1e6;
                detach[r] = (t3 - t2) / 1e6;
            }
        }
        Bench.header("Load, attach and detach of 10 tp_btf probe programs");
        System.out.println("| step | median ms (30 rounds) |");
        System.out.println("|---|---|");
        System.out.println(Bench.fmt("| open + load (verifier) | %.1f |", Bench.median(load)));
        System.out.println(Bench.fmt("| attach 10 | %.2f |", Bench.median(attach)));
        System.out.println(Bench.fmt("| detach 10 | %.2f |", Bench.median(detach)));
    }
}
