package io.latscope.bench;

import io.latscope.sync.ClockModel;
import io.latscope.sync.ClockSync;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LatScope's clock sync side by side with linuxptp's {@code ptp4l} (Debian package
 * {@code linuxptp}) over the same veth pair between two namespaces of one machine (true
 * offset 0): quiet, and with a saturating TCP flow each way. ptp4l runs with software time
 * stamping and {@code free_running 1}, so it never adjusts any clock; its offset is read with
 * {@code pmc GET CURRENT_DATA_SET} (read-only). Rounds interleave conditions and methods;
 * per leg, the median |error| and the p99 of the estimates; reported: the median over the
 * rounds with min–max.
 *
 * <p>Arguments: {@code [rounds] [secondsPerLeg]}, default 3 × 8.
 */
public final class SyncPeerBench {
    private static final String A = "10.91.0.1", B = "10.91.0.2";

    private SyncPeerBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        requireTool("ptp4l", "linuxptp");
        requireTool("pmc", "linuxptp");
        Map<String, List<double[]>> legs = new LinkedHashMap<>(); // condition / method -> per leg {median, p99, bound median, contained}
        try (TestNetwork net = TestNetwork.create()) {
            SyncPair pair = SyncPair.of(net, "10.91.0");
            SyncHost ha = pair.a(), hb = pair.b();
            for (int r = 0; r < rounds; r++) {
                for (String cond : List.of("quiet", "flow a->b", "flow b->a")) {
                    List<String> methods = r % 2 == 0 ? List.of("latscope xdp", "ptp4l") : List.of("ptp4l", "latscope xdp");
                    for (String method : methods) {
                        Thread flow = startFlow(net, cond, seconds + 2);
                        double[] leg = method.equals("ptp4l") ? ptp4l(net, seconds) : latscope(ha, hb, seconds);
                        if (flow != null) {
                            flow.join();
                        }
                        legs.computeIfAbsent(cond + " | " + method, k -> new ArrayList<>()).add(leg);
                        System.err.printf("round %d %s %s: %s%n", r, cond, method, java.util.Arrays.toString(leg));
                    }
                }
            }
        }
        Bench.header(Bench.fmt("Clock sync vs ptp4l (software stamps, free_running): two namespaces, true offset 0"
                + " (%d interleaved rounds × %d s per leg; median over rounds, min–max)", rounds, seconds));
        System.out.println("| condition | method | estimates per leg | median \\|error\\| ns | p99 \\|error\\| ns "
                + "| stated bound median ns | bound contains truth |");
        System.out.println("|---|---|---|---|---|---|---|");
        legs.forEach((k, v) -> {
            String[] cm = k.split(" \\| ");
            System.out.println(Bench.fmt("| %s | %s | %s | %s | %s | %s | %s |", cm[0], cm[1], range(v, 4, "%.0f"),
                    range(v, 0, "%.0f"), range(v, 1, "%.0f"),
                    cm[1].equals("ptp4l") ? "– (none stated)" : range(v, 2, "%.0f"),
                    cm[1].equals("ptp4l") ? "–" : range(v, 3, "%.1f %%")));
        });
    }

    private static String range(List<double[]> legs, int i, String fmt) {
        double[] v = legs.stream().mapToDouble(l -> l[i]).toArray();
        return Bench.fmt(fmt, Bench.median(v)) + " (" + Bench.fmt(fmt, java.util.Arrays.stream(v).min().orElse(0))
                + "–" + Bench.fmt(fmt, java.util.Arrays.stream(v).max().orElse(0)) + ")";
    }

    private static Thread startFlow(TestNetwork net, String cond, int seconds) throws InterruptedException {
        if (cond.equals("quiet")) {
            return null;
        }
        boolean ab = cond.endsWith("a->b");
        Thread t = Thread.ofPlatform().start(() -> TcpTraffic.bulk(net.ns(ab ? "a" : "b"), net.ns(ab ? "b" : "a"),
                ab ? B : A, 0, 64 * 1024, Duration.ofSeconds(seconds)));
        Thread.sleep(500);
        return t;
    }

    /** LatScope with its defaults: every model published during the leg. */
    private static double[] latscope(SyncHost ha, SyncHost hb, int seconds) throws InterruptedException {
        List<ClockModel> seen = new ArrayList<>();
        try (ClockSync sync = ClockSync.start(Sync.xdp(), ha, hb)) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            ClockModel last = null;
            while (System.nanoTime() < end) {
                ClockModel m = sync.model("b");
                if (m != last) {
                    seen.add(m);
                    last = m;
                }
                Thread.sleep(20);
            }
        }
        double[] err = seen.stream().mapToDouble(m -> Math.abs(m.offsetNanos())).toArray();
        double[] bound = seen.stream().mapToDouble(ClockModel::errorBoundNanos).toArray();
        double contained = 100.0 * seen.stream().filter(m -> Math.abs(m.offsetNanos()) <= m.errorBoundNanos()).count()
                / seen.size();
        return new double[] {Bench.median(err), SyncAccuracyBench.percentile(err, 99), Bench.median(bound), contained,
                seen.size()};
    }

    /**
     * ptp4l master in a, slave in b, L2 transport, 8 Sync and Delay_Req per second; the offset
     * polled every 125 ms after 3 s of settling. free_running: it never touches a clock.
     */
    private static double[] ptp4l(TestNetwork net, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("latscope-ptp4l");
        Path conf = dir.resolve("ptp4l.conf");
        Files.writeString(conf, String.join("\n", "[global]", "time_stamping software", "free_running 1",
                "network_transport L2", "logSyncInterval -3", "logMinDelayReqInterval -3", "logAnnounceInterval -3",
                "announceReceiptTimeout 3", "summary_interval 0", "tx_timestamp_timeout 50", ""));
        List<Process> procs = new ArrayList<>();
        List<Double> offsets = new ArrayList<>();
        try {
            procs.add(ptp(net, "a", conf, dir.resolve("a.sock"), dir.resolve("a.log"), false));
            procs.add(ptp(net, "b", conf, dir.resolve("b.sock"), dir.resolve("b.log"), true));
            Thread.sleep(3000);
            long end = System.nanoTime() + (seconds - 3) * 1_000_000_000L;
            Pattern p = Pattern.compile("offsetFromMaster\\s+(-?[\\d.]+)");
            while (System.nanoTime() < end) {
                Process q = new ProcessBuilder("ip", "netns", "exec", net.nsName("b"), "pmc", "-u", "-b", "0", "-s",
                        dir.resolve("b.sock").toString(), "-i", dir.resolve("pmc.sock").toString(),
                        "GET CURRENT_DATA_SET").redirectErrorStream(true).start();
                String out = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                q.waitFor(5, TimeUnit.SECONDS);
                Matcher m = p.matcher(out);
                if (m.find()) {
                    offsets.add(Double.parseDouble(m.group(1)));
                }
                Thread.sleep(125);
            }
        } finally {
            for (Process pr : procs) {
                pr.destroy();
                if (!pr.waitFor(3, TimeUnit.SECONDS)) {
                    pr.destroyForcibly();
                }
            }
        }
        if (offsets.isEmpty()) {
            throw new IllegalStateException("ptp4l gave no offset; logs in " + dir);
        }
        double[] err = offsets.stream().mapToDouble(Math::abs).toArray();
        return new double[] {Bench.median(err), SyncAccuracyBench.percentile(err, 99), Double.NaN, Double.NaN,
                offsets.size()};
    }

    private static Process ptp(TestNetwork net, String ns, Path conf, Path uds, Path log, boolean slave) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.nsName(ns), "ptp4l", "-f", conf.toString(),
                "-i", TestNetwork.vethName(ns, ns.equals("a") ? "b" : "a"), "-m", "--uds_address=" + uds));
        if (slave) {
            cmd.add("-s");
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void requireTool(String tool, String pkg) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new IllegalStateException(tool + " is not installed: apt-get install " + pkg);
    }
}
