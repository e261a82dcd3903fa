package io.latscope.bench;

import io.latscope.Hop;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.bpf.NetNs;
import io.latscope.error.ConfigurationException;
import io.latscope.testbed.GuestVm;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Probe cost on a guest kernel that offers both hook sets (issue 18): BPF trampolines
 * (fentry/fexit on the functions behind each point, {@code latscope.hooks=fentry}) against
 * the tracepoint set (BTF tracepoints, netfilter links, sockops: {@code
 * latscope.hooks=tracepoints}), same traffic, same run. Boots the newest kernel under /boot
 * of at least 6.6 (Debian's bookworm-backports 6.12: {@code scripts/guest-kernel} installs
 * it) in the qemu guest of the test bed, and runs {@link InGuest} there: per round, one
 * session per hook set, in alternating order, each measuring {@code --messages} tcpstamp
 * messages of 1 KiB between two namespaces of the guest, 2 ms apart, with the kernel's
 * bpf_stats on. Under emulation (TCG) every figure measures the emulator as well; only the
 * two sets' ratio carries over. Then, per round, a bystander: {@code dd bs=1} (a read and a
 * write system call per byte) in the guest's root namespace, alone and beside a session
 * whose write entry (syscall boundaries, on by default) comes from tcp_sendmsg's trampoline
 * or from the sys_enter tracepoint ({@value io.latscope.agent.LocalProbes#WRITE_ENTRY_PROPERTY}),
 * or with syscall boundaries off (what the session's other programs and threads cost dd), in
 * alternating order. Options: {@code --rounds N} (5), {@code --messages N} (500).
 */
public final class GuestHookBench {
    private GuestHookBench() {
    }

    static final List<String> SETS = List.of("fentry", "tracepoints");

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        int messages = 500;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                default -> throw new ConfigurationException("GuestHookBench: unknown option " + args[i]
                        + "; options are --rounds N, --messages N");
            }
        }
        String release = GuestVm.kernels().stream().filter(k -> GuestVm.compareReleases(k, "6.6") >= 0)
                .reduce((a, b) -> b).orElseThrow(() -> new ConfigurationException("GuestHookBench needs a kernel of 6.6"
                        + " or later under /boot for the guest (socket tracepoints, sockops kfuncs and netfilter links"
                        + " beside BPF trampolines), have " + GuestVm.kernels() + ": run scripts/guest-kernel"));
        try (TestNetwork net = TestNetwork.create();
             GuestVm vm = GuestVm.boot(net, "10.117", GuestVm.Spec.defaults().withRelease(release).withOwnClassPath())) {
            vm.guestVeth("gc", "10.119.0.1/24", "gs", "10.119.0.2/24");
            // the same class path in the guest (shared over 9p at the same paths), made absolute
            String cp = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .map(e -> java.nio.file.Path.of(e).toAbsolutePath().normalize().toString())
                    .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
            io.latscope.testbed.Cmd.Result res = vm.sshExec("java --enable-native-access=ALL-UNNAMED -Dstdout.encoding=UTF-8"
                    + " -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp " + cp + " '" + InGuest.class.getName() + "' " + rounds
                    + " " + messages, Duration.ofMinutes(60));
            if (res.exit() != 0) {
                throw new io.latscope.error.LatScopeException("GuestHookBench in the guest exited with " + res.exit() + ":\n"
                        + res.stdout() + res.stderr());
            }
            String out = res.stdout();
            Bench.header("Probe cost on the guest kernel: BPF trampolines against the tracepoint set (" + vm.release()
                    + ", qemu TCG, " + rounds + " rounds × " + messages + " messages per set)");
            System.out.print(out);
        }
    }

    /** Run in the guest: the rounds, then the table. Arguments: rounds, messages. */
    public static final class InGuest {
        private InGuest() {
        }

        public static void main(String[] args) throws Exception {
            int rounds = Integer.parseInt(args[0]);
            int messages = Integer.parseInt(args[1]);
            // per set: program (hook) -> mean ns per run, one value per round; and END_TO_END p50, app p50
            Map<String, Map<String, List<Double>>> cost = new LinkedHashMap<>();
            Map<String, List<Double>> e2e = new LinkedHashMap<>();
            Map<String, List<Double>> app = new LinkedHashMap<>();
            Map<String, List<Double>> perMessage = new LinkedHashMap<>();
            Map<String, Map<String, String>> unavailable = new LinkedHashMap<>();
            Map<String, List<Double>> dd = new LinkedHashMap<>();
            List<Double> ddAlone = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                List<String> order = r % 2 == 0 ? SETS : SETS.reversed();
                for (String set : order) {
                    System.setProperty("latscope.hooks", set);
                    LatencyReport rep;
                    TcpTraffic.FlowResult flow;
                    try (LatScopeSession s = LatScope.builder().ports(5730).stride(1024).namespaces("gc", "gs")
                            .probeCost(true).start()) {
                        flow = NativeTraffic.messages(NetNs.named("gc"), NetNs.named("gs"), "10.119.0.2", 5730, 1024,
                                messages, Duration.ofMillis(2), Duration.ZERO);
                        s.close();
                        rep = s.snapshot();
                    }
                    // bpf_stats counts in sampling windows only: runs are put per segment by tx.xmit's
                    // runs in the same windows (its tracepoint fires once per segment in both sets)
                    long xmit = rep.probeCosts().stream().filter(c -> c.program().equals("tx_xmit")).mapToLong(ProbeCost::runs)
                            .sum();
                    double total = 0;
                    for (ProbeCost c : rep.probeCosts()) {
                        String key = c.attachPoint() + " [" + c.program() + "]";
                        cost.computeIfAbsent(set, k -> new TreeMap<>()).computeIfAbsent(key, k -> new ArrayList<>())
                                .add(c.meanNanos());
                        total += c.runs() * c.meanNanos();
                    }
                    perMessage.computeIfAbsent(set, k -> new ArrayList<>()).add(xmit == 0 ? Double.NaN : total / xmit);
                    // a set may lack a point on this kernel (then END_TO_END is not measured): said below
                    boolean measured = rep.hops().stream().anyMatch(h -> h.hop().unscoped().equals(Hop.END_TO_END));
                    long markers = measured ? rep.hop(Hop.END_TO_END).count() : 0;
                    rep.unavailable().forEach((h, why) -> unavailable.computeIfAbsent(set, k -> new TreeMap<>())
                            .putIfAbsent(h.toString(), why));
                    e2e.computeIfAbsent(set, k -> new ArrayList<>()).add(measured
                            ? rep.hop(Hop.END_TO_END).percentileNanos(50) / 1e3 : Double.NaN);
                    app.computeIfAbsent(set, k -> new ArrayList<>()).add(flow.percentile(50) / 1e3);
                    System.err.println("round " + (r + 1) + " " + set + ": " + markers + " markers");
                }
                System.clearProperty("latscope.hooks");
                double alone = ddSyscallsPerUs();
                List<String> entries = r % 2 == 0 ? WRITE_ENTRIES : WRITE_ENTRIES.reversed();
                for (String entry : entries) {
                    System.setProperty(io.latscope.agent.LocalProbes.WRITE_ENTRY_PROPERTY, entry);
                    try (LatScopeSession s = LatScope.builder().ports(5730).stride(1024).namespaces("gc", "gs")
                            .syscallBoundaries(!entry.equals("off")).probeCost(false).start()) {
                        dd.computeIfAbsent(entry, k -> new ArrayList<>()).add(ddSyscallsPerUs() / alone);
                    } finally {
                        System.clearProperty(io.latscope.agent.LocalProbes.WRITE_ENTRY_PROPERTY);
                    }
                }
                ddAlone.add(alone);
            }
            System.out.println("| hook set | program (attach point) | mean ns per run, median (min–max) |");
            System.out.println("|---|---|---|");
            for (String set : SETS) {
                cost.getOrDefault(set, Map.of()).forEach((k, v) -> System.out.println("| " + set + " | " + k + " | "
                        + range(v, "%.0f") + " |"));
            }
            System.out.println();
            System.out.println("| hook set | probe time per segment sent (Σ runs × mean ÷ tx.xmit runs), ns | END_TO_END p50, µs | tcpstamp p50, µs |");
            System.out.println("|---|---|---|---|");
            for (String set : SETS) {
                System.out.println("| " + set + " | " + range(perMessage.get(set), "%.0f") + " | " + range(e2e.get(set), "%.1f")
                        + " | " + range(app.get(set), "%.1f") + " |");
            }
            System.out.println();
            System.out.println("Bystander: dd bs=1 in the guest's root namespace, system calls per µs alone "
                    + range(ddAlone, "%.3f") + "; per round, its speed beside a session as a ratio to alone:");
            System.out.println();
            System.out.println("| session's write entry | dd speed / alone |");
            System.out.println("|---|---|");
            dd.forEach((entry, v) -> System.out.println("| " + switch (entry) {
                case "sys_enter" -> "sys_enter tracepoint";
                case "off" -> "none (syscall boundaries off: the session's other costs)";
                default -> "tcp_sendmsg trampoline (tx_sock_begin)";
            } + " | " + range(v, "%.3f") + " |"));
            System.out.println();
            unavailable.forEach((set, m) -> m.forEach((hop, why) -> System.out.println("- " + set + ": " + hop
                    + " not measured: " + why)));
        }

        /** "fentry" is the default where trampolines load; "sys_enter" is asked for; "off": boundaries off. */
        static final List<String> WRITE_ENTRIES = List.of("fentry", "sys_enter", "off");

        /** dd bs=1 of 200 kB (400 000 system calls) in the guest: calls per µs. */
        private static double ddSyscallsPerUs() {
            return ObserverCostBench.ddSyscallsPerUs(200_000);
        }

        private static String range(List<Double> v, String f) {
            double[] a = v.stream().mapToDouble(Double::doubleValue).filter(x -> !Double.isNaN(x)).toArray();
            if (a.length == 0) {
                return "—";
            }
            double min = java.util.Arrays.stream(a).min().orElse(0);
            double max = java.util.Arrays.stream(a).max().orElse(0);
            return Bench.fmt(f, Bench.median(a)) + " (" + Bench.fmt(f, min) + "–" + Bench.fmt(f, max) + ")";
        }
    }
}
