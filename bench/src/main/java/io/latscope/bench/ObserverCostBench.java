package io.latscope.bench;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What observing costs the observed (issue 17), four configurations side by side in one run,
 * interleaved round by round (base, LatScope, floor, peer, base, …; 5 rounds of 5 s by default):
 * <ul>
 * <li><b>base</b>: nothing attached;</li>
 * <li><b>LatScope</b>: a session on the flow's port in both namespaces (ping-pong: stride 64 B, so
 * every 64-byte message carries a marker; bulk: the default stride);</li>
 * <li><b>floor</b>: empty programs on LatScope's hooks ({@link EmptyHooks}), the kernel's dispatch alone;</li>
 * <li><b>peer</b>: {@code bench/latscope-peer.bt} under Debian's bpftrace, per-layer stamps on tracepoints.</li>
 * </ul>
 * Parts: <b>pingpong</b>, Debian's sockperf TCP ping-pong of 64 B between two namespaces
 * (round-trip p50/p99/p99.9 as sockperf reports them); <b>bulk</b>, one iperf3 stream
 * (throughput, the whole machine's CPU per GB from /proc/stat, the tool's own process CPU per GB);
 * <b>bystanders</b>, an iperf3 flow between two other namespaces and a syscall-heavy dd while a
 * configuration watches the first two; <b>counts</b>, program runs per segment (bpf_stats on).
 * LatScope's JVM threads are broken down by kind ({@link TaskCpu}). A session is started per
 * round in this (warm) JVM; one warm-up round of every configuration runs first and is not counted.
 * Options: {@code --rounds N --seconds S --parts pingpong,bulk,bystanders,counts --configs base,latscope,floor,peer,...}
 * (more configurations, experiments on the session, in {@link #ALL}). On a VM, run the ping-pong
 * with {@code -Dbench.sockperfCpus=0} ({@code BENCH_JAVA_OPTS} of bench/run): unpinned, its round trip is mostly the
 * wake-ups of idle vCPUs (docs/benchmarks.md, "Ping-pong with client and server on one vCPU").
 */
public final class ObserverCostBench {
    private ObserverCostBench() {
    }

    enum Kind { BASE, LATSCOPE, FLOOR, PEER }

    /** A configuration: what is attached, and for sessions how the builder is set beyond the defaults. */
    record Config(String key, String name, Kind kind, UnaryOperator<LatScope.Builder> tweak, String threadPolicy) {
        Config(String key, String name, Kind kind, UnaryOperator<LatScope.Builder> tweak) {
            this(key, name, kind, tweak, null);
        }
    }

    static final List<Config> ALL = List.of(
            new Config("base", "base (nothing attached)", Kind.BASE, b -> b),
            new Config("latscope", "LatScope session", Kind.LATSCOPE, b -> b),
            new Config("floor", "empty programs on LatScope's hooks (floor)", Kind.FLOOR, b -> b),
            new Config("floor-nosys", "empty programs on LatScope's hooks but sock_send_length and sched_switch (the floor"
                    + " without syscall boundaries)", Kind.FLOOR, b -> b, "nosys"),
            new Config("floor-sys", "empty programs on LatScope's hooks with sys_enter for sock_send_length and"
                    + " sched_switch (the floor of latscope-sys)", Kind.FLOOR, b -> b, "sys"),
            new Config("latscope-sys", "LatScope session, the write's entry from sys_enter (latscope.writeEntry=sys_enter;"
                    + " the default before 2026-12-07 where trampolines are refused)", Kind.LATSCOPE, b -> b, "sys_enter"),
            new Config("floor-exit", "empty programs on LatScope's hooks and on sys_exit (the floor before the probes"
                    + " dropped sys_exit)", Kind.FLOOR, b -> b, "exit"),
            new Config("peer", "bpftrace peer (bench/latscope-peer.bt)", Kind.PEER, b -> b),
            new Config("latscope-nocost", "LatScope session, probe-cost stats off", Kind.LATSCOPE, b -> b.probeCost(false)),
            // experiments: the session's threads (or all the JVM's but main) re-scheduled from outside after start
            new Config("latscope-nice", "LatScope session, its threads at nice 19", Kind.LATSCOPE, b -> b, "latscope:nice"),
            new Config("latscope-idle", "LatScope session, its threads SCHED_IDLE", Kind.LATSCOPE, b -> b, "latscope:idle"),
            new Config("latscope-batch", "LatScope session, its threads SCHED_BATCH (their wake-ups preempt no one)",
                    Kind.LATSCOPE, b -> b, "latscope:batch"),
            new Config("latscope-cpu1", "LatScope session, its threads on CPU 1 (with -Dbench.sockperfCpus=0: off the"
                    + " exchange's CPU)", Kind.LATSCOPE, b -> b, "latscope:cpu1"),
            new Config("latscope-olddrain", "LatScope session, drainer as before issue 17 (16384 records per call, no yield)",
                    Kind.LATSCOPE, b -> b, "olddrain"),
            new Config("latscope-interval10", "LatScope session, interval 10 s (1 s default: a sock_diag walk per namespace)",
                    Kind.LATSCOPE, b -> b.interval(java.time.Duration.ofSeconds(10))),
            new Config("latscope-dumps", "LatScope session, flow counters from a sock_diag dump of every socket each"
                    + " interval (before the open_socks lookups)", Kind.LATSCOPE, b -> b, "dumps"),
            new Config("latscope-ring256k", "LatScope session, 256 KiB ring buffer (8 MiB default: records written to lines"
                    + " no cache holds)", Kind.LATSCOPE, b -> b.ringBufferBytes(256 << 10)),
            new Config("latscope-nosys", "LatScope session, syscall boundaries off", Kind.LATSCOPE, b -> b.syscallBoundaries(false)),
            new Config("latscope-jvmnice", "LatScope session, all JVM threads but main at nice 19", Kind.LATSCOPE, b -> b,
                    "jvm:nice"));

    private static final String A = "10.217.17.1";
    private static final String B = "10.217.17.2";
    private static final int IPERF_PORT = 5317;
    /** The bystanders' namespaces: a flow no session watches. */
    private static final String C = "10.217.18.1";
    private static final String D = "10.217.18.2";
    private static final Pattern SUM_RECEIVED = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"seconds\"\\s*:\\s*([\\d.e+-]+)[^}]*?\"bytes\"\\s*:\\s*(\\d+)");

    private static int rounds = 5;
    private static int seconds = 5;

    /** One measured round of one configuration. */
    record Round(double p50, double p99, double p999, long exchanges, double gbps, double machineMsPerGb,
                 double toolMsPerGb, double markersPerExchange, Map<String, long[]> threads, double secondsMeasured,
                 double startMs, double closeMs, double pipeOpsPerMs) {
    }

    public static void main(String[] args) {
        List<Config> configs = new ArrayList<>(ALL.subList(0, 4));
        List<String> parts = List.of("pingpong", "bulk", "bystanders", "counts");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--parts" -> parts = List.of(args[++i].split(","));
                case "--configs" -> {
                    configs.clear();
                    for (String k : args[++i].split(",")) {
                        configs.add(ALL.stream().filter(c -> c.key().equals(k)).findFirst()
                                .orElseThrow(() -> new IllegalArgumentException("unknown config " + k + "; known: "
                                        + ALL.stream().map(Config::key).toList())));
                    }
                    if (configs.getFirst().kind() != Kind.BASE) {
                        throw new IllegalArgumentException("the first configuration must be base");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --rounds N, --seconds S, --parts pingpong,bulk, --configs base,latscope,floor,peer,...");
            }
        }
        Tools.require("sockperf", "sockperf");
        Tools.require("bpftrace", "bpftrace");
        Tools.require("iperf3", "iperf3");
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", A + "/24", "b", B + "/24");
            if (parts.contains("bystanders")) {
                net.namespace("c");
                net.namespace("d");
                net.veth("c", C + "/24", "d", D + "/24");
            }
            for (String part : parts) {
                Map<Config, List<Round>> results = new LinkedHashMap<>();
                configs.forEach(c -> results.put(c, new ArrayList<>()));
                String load = loadNote();
                switch (part) {
                    case "pingpong" -> {
                        try (Sockperf sp = new Sockperf(net, "b", B, "a")) {
                            interleave(configs, results, (c, secs) -> pingPongRound(sp, a, b, c, secs));
                        }
                        printPingPong(results, load + " → " + loadNote());
                    }
                    case "bulk" -> {
                        withIperfServer(net, "b", B, () -> interleave(configs, results, (c, secs) -> bulkRound(net, a, b, c, secs)));
                        printBulk(results, load + " → " + loadNote());
                    }
                    case "bystanders" -> {
                        withIperfServer(net, "d", D,
                                () -> interleave(configs, results, (c, secs) -> bystanderRound(net, a, b, c, secs)));
                        printBystanders(results, load + " → " + loadNote());
                    }
                    case "counts" -> {
                        countRuns(net, a, b, configs);
                        continue;
                    }
                    default -> throw new IllegalArgumentException("unknown part " + part + "; parts: pingpong, bulk, bystanders, counts");
                }
                printThreads(part, results);
            }
        }
    }

    /** One round of one configuration lasting the given seconds. */
    private interface RoundRunner {
        Round run(Config c, int secs);
    }

    /** A warm-up round of every configuration (2 s, not counted), then the rounds, configurations interleaved. */
    private static void interleave(List<Config> configs, Map<Config, List<Round>> results, RoundRunner runner) {
        for (Config c : configs) {
            runner.run(c, 2);
        }
        for (int r = 0; r < rounds; r++) {
            for (Config c : configs) {
                results.get(c).add(runner.run(c, seconds));
            }
        }
    }

    /** Whatever a configuration attaches, for one round. */
    private interface Attached extends AutoCloseable {
        @Override
        void close();
    }

    private static final class Setup implements Attached {
        LatScopeSession session;
        EmptyHooks hooks;
        BpftracePeer peer;
        double startMs;
        double closeMs;
        LatencyReport last;

        Setup(Config c, NetNs a, NetNs b, int port, int stride) {
            long t0 = System.nanoTime();
            switch (c.kind()) {
                case BASE -> { }
                case LATSCOPE -> {
                    LatScope.Builder bl = LatScope.builder().namespaces(a.spec(), b.spec()).ports(port);
                    if (stride > 0) {
                        bl.stride(stride);
                    }
                    boolean oldDrain = "olddrain".equals(c.threadPolicy());
                    if (oldDrain) {
                        drainKnobs(16_384, false);
                    }
                    boolean sysEnter = "sys_enter".equals(c.threadPolicy());
                    if (sysEnter) {
                        System.setProperty(io.latscope.agent.LocalProbes.WRITE_ENTRY_PROPERTY, "sys_enter");
                    }
                    try {
                        session = c.tweak().apply(bl).start();
                    } finally {
                        if (oldDrain) {
                            drainKnobs(-1, true);
                        }
                        if (sysEnter) {
                            System.clearProperty(io.latscope.agent.LocalProbes.WRITE_ENTRY_PROPERTY);
                        }
                    }
                    if ("dumps".equals(c.threadPolicy())) {
                        sampleByDumps(session);
                    } else if (c.threadPolicy() != null && !oldDrain && !sysEnter) {
                        reschedule(c.threadPolicy());
                    }
                }
                case FLOOR -> hooks = EmptyHooks.attach(true, switch (String.valueOf(c.threadPolicy())) {
                    case "nosys" -> EmptyHooks.Entry.NONE;
                    case "sys" -> EmptyHooks.Entry.SYS_ENTER;
                    case "exit" -> EmptyHooks.Entry.SYS_ENTER_AND_EXIT;
                    default -> EmptyHooks.Entry.FIRST_COPY;
                }, a, b);
                case PEER -> peer = new BpftracePeer(port);
            }
            startMs = (System.nanoTime() - t0) / 1e6;
        }

        long toolPid() {
            return peer != null ? peer.pid() : ProcessHandle.current().pid();
        }

        long toolCpuNanos() {
            if (peer != null) {
                return Tools.processCpuNanos(peer.pid());
            }
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }

        private boolean closed;

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            long t0 = System.nanoTime();
            if (session != null) {
                last = session.snapshot();
                t0 = System.nanoTime();
                session.close();
            }
            if (hooks != null) {
                hooks.close();
            }
            if (peer != null) {
                peer.close();
            }
            closeMs = (System.nanoTime() - t0) / 1e6;
        }
    }

    /**
     * The agent's drain knobs (package-private statics of LocalSession, read when a session's
     * drainer starts): batch -1 = the default.
     */
    static void drainKnobs(int batch, boolean yield) {
        try {
            Class<?> ls = Class.forName("io.latscope.agent.LocalSession");
            var fb = ls.getDeclaredField("drainBatch");
            var fy = ls.getDeclaredField("yieldBetweenBatches");
            fb.setAccessible(true);
            fy.setAccessible(true);
            if (batch < 0) {
                var d = ls.getDeclaredField("DRAIN_BATCH");
                d.setAccessible(true);
                batch = d.getInt(null);
            }
            fb.setInt(null, batch);
            fy.setBoolean(null, yield);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the agent's drain knobs changed: " + e, e);
        }
    }

    /**
     * Makes a running session's flow sampler dump every socket of its namespaces each interval,
     * as it did before it looked the probes' open sockets up (the sampler's private switch).
     */
    static void sampleByDumps(LatScopeSession session) {
        try {
            var f = session.getClass().getDeclaredField("endpoints");
            f.setAccessible(true);
            Object sampler = f.get(session);
            var l = sampler.getClass().getDeclaredField("lookups");
            l.setAccessible(true);
            synchronized (sampler) {
                l.setBoolean(sampler, false);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the flow sampler's switch changed: " + e, e);
        }
    }

    /** "latscope:nice", "latscope:idle", "latscope:batch", "latscope:cpu1", "jvm:nice": renice / chrt / taskset threads of this JVM by name. */
    static void reschedule(String policy) {
        String[] p = policy.split(":");
        long self = ProcessHandle.current().pid();
        try (var ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ds) {
                String comm = Files.readString(t.resolve("comm")).strip();
                String tid = t.getFileName().toString();
                boolean pick = p[0].equals("latscope") ? comm.startsWith("latscope-")
                        : !tid.equals(String.valueOf(self)) && !comm.equals("main");
                if (pick) {
                    List<String> cmd = switch (p[1]) {
                        case "idle" -> List.of("chrt", "--idle", "-p", "0", tid);
                        case "batch" -> List.of("chrt", "--batch", "-p", "0", tid);
                        case "cpu1" -> List.of("taskset", "-p", "-c", "1", tid);
                        default -> List.of("renice", "-n", "19", "-p", tid);
                    };
                    io.latscope.testbed.Cmd.run(cmd);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Round pingPongRound(Sockperf sp, NetNs a, NetNs b, Config c, int secs) {
        try (Setup s = new Setup(c, a, b, Sockperf.PORT, 64)) {
            Map<String, long[]> t0 = TaskCpu.snapshot();
            long tool0 = s.toolCpuNanos();
            Sockperf.Result r = sp.pingPong(secs);
            long tool = s.toolCpuNanos() - tool0;
            Map<String, long[]> threads = TaskCpu.minus(TaskCpu.snapshot(), t0);
            s.close();
            double perExchange = Double.NaN;
            if (s.last != null) {
                // sockperf's counted exchanges leave out its 400 ms warm-up; the markers do not
                perExchange = s.last.counters().markersMatched() / (r.exchanges() * (secs / r.seconds()));
            } else if (s.peer != null) {
                perExchange = s.peer.exchanges / (r.exchanges() * (secs / r.seconds()));
            }
            return new Round(r.p50(), r.p99(), r.p999(), r.exchanges(), 0, 0, tool / 1e6 / secs, perExchange, threads, secs,
                    s.startMs, s.closeMs, Double.NaN);
        }
    }

    /** Runs {@code body} while an iperf3 server listens in {@code ns} on {@code addr}. */
    static void withIperfServer(TestNetwork net, String ns, String addr, Runnable body) {
        Process server = iperfServer(net, ns, addr);
        try {
            body.run();
        } finally {
            Tools.stop(server);
        }
    }

    static Process iperfServer(TestNetwork net, String ns, String addr) {
        String iperf = Tools.require("iperf3", "iperf3");
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", net.nsName(ns), iperf, "-s", "-B", addr, "-p",
                    String.valueOf(IPERF_PORT)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            LockSupport.parkNanos(500_000_000L);
            if (!p.isAlive()) {
                throw new IllegalStateException("iperf3 server exited at once");
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Round bulkRound(TestNetwork net, NetNs a, NetNs b, Config c, int secs) {
        try (Setup s = new Setup(c, a, b, IPERF_PORT, 0)) {
            Round r;
            try (PerfRecording rec = PerfRecording.start("bulk-" + c.key(), secs)) {
                r = iperfRound(net, s, "a", A, B, secs);
            }
            s.close();
            return new Round(0, 0, 0, 0, r.gbps(), r.machineMsPerGb(), r.toolMsPerGb(), Double.NaN, r.threads(), r.secondsMeasured(),
                    s.startMs, s.closeMs, Double.NaN);
        }
    }

    /**
     * The bystanders: with whatever the configuration attaches watching namespaces a and b
     * (a session: its ping-pong port, sockperf idle), an iperf3 flow c → d that nothing watches,
     * then a syscall-heavy process in the root namespace (dd, 1-byte reads and writes).
     */
    static Round bystanderRound(TestNetwork net, NetNs a, NetNs b, Config c, int secs) {
        try (Setup s = new Setup(c, a, b, Sockperf.PORT, 64)) {
            Round flow = iperfRound(net, s, "c", C, D, secs);
            double syscallsPerUs = ddSyscallsPerUs(4_000_000L * secs / 5);
            double pipeOpsPerMs = pipeOpsPerMs(200_000 * secs / 5);
            s.close();
            return new Round(0, 0, 0, 0, flow.gbps(), flow.machineMsPerGb(), flow.toolMsPerGb(), syscallsPerUs, flow.threads(),
                    flow.secondsMeasured(), s.startMs, s.closeMs, pipeOpsPerMs);
        }
    }

    /**
     * The syscall-heavy bystander: {@code dd bs=1} of {@code bytes} (a read and a write system
     * call per byte), timed.
     *
     * @return system calls per microsecond
     */
    static double ddSyscallsPerUs(long bytes) {
        long t0 = System.nanoTime();
        io.latscope.testbed.Cmd.run("dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=" + bytes);
        return 2.0 * bytes / ((System.nanoTime() - t0) / 1e3);
    }

    private static final Pattern PIPE_OPS = Pattern.compile("([\\d.]+) usecs/op");

    /**
     * The context-switch-heavy bystander: {@code perf bench sched pipe} (two processes passing a
     * token through two pipes, each pass a sleep and a wake-up), both on CPU 1, {@code loops}
     * round trips; a session's sched_switch program runs at each of their context switches.
     *
     * @return round trips per millisecond
     */
    static double pipeOpsPerMs(int loops) {
        // both on CPU 1: each round trip is two context switches there (spread over two CPUs its
        // speed depends on where the scheduler puts them, 40 to 120 round trips per ms here)
        String out = io.latscope.testbed.Cmd.run(Tools.require("taskset", "util-linux"), "-c", "1",
                Tools.require("perf", "linux-perf"), "bench", "sched", "pipe", "-l", Integer.toString(loops));
        Matcher m = PIPE_OPS.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("perf bench sched pipe printed no usecs/op: " + out);
        }
        return 1000 / Double.parseDouble(m.group(1));
    }

    static Round iperfRound(TestNetwork net, Setup s, String fromNs, String from, String to, int secs) {
        String iperf = Tools.require("iperf3", "iperf3");
        try {
            Process cl = new ProcessBuilder("ip", "netns", "exec", net.nsName(fromNs), iperf, "-c", to, "-B", from, "-p",
                    String.valueOf(IPERF_PORT), "-t", String.valueOf(secs + 1), "-O", "1", "-J").redirectErrorStream(true).start();
            cl.getOutputStream().close();
            // the first second (connection, slow start) is omitted from iperf3's bytes; CPU is counted from its end
            LockSupport.parkNanos(1_000_000_000L);
            long busy0 = ThroughputBench.busyJiffies();
            long tool0 = s.toolCpuNanos();
            Map<String, long[]> t0 = TaskCpu.snapshot();
            String out = new String(cl.getInputStream().readAllBytes());
            if (!cl.waitFor(secs + 15L, TimeUnit.SECONDS) || cl.exitValue() != 0) {
                Tools.stop(cl);
                throw new IllegalStateException("iperf3 failed: " + out);
            }
            long busy = ThroughputBench.busyJiffies() - busy0;
            long tool = s.toolCpuNanos() - tool0;
            Map<String, long[]> threads = TaskCpu.minus(TaskCpu.snapshot(), t0);
            Matcher m = SUM_RECEIVED.matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("cannot read iperf3's result: " + out);
            }
            double sec = Double.parseDouble(m.group(1));
            double gb = Long.parseLong(m.group(2)) / 1e9;
            return new Round(0, 0, 0, 0, gb * 8 / sec, busy * 10.0 / gb, tool / 1e6 / gb, Double.NaN, threads, sec,
                    s.startMs, s.closeMs, Double.NaN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- output -----------------------------------------------------------------------

    interface Metric {
        double of(Round r);
    }

    static double[] values(List<Round> rs, Metric m) {
        return rs.stream().mapToDouble(m::of).toArray();
    }

    static String medRange(List<Round> rs, Metric m, String f) {
        double[] v = values(rs, m);
        return Bench.fmt(f + " (" + f + "–" + f + ")", Bench.median(v), Arrays.stream(v).min().orElse(0),
                Arrays.stream(v).max().orElse(0));
    }

    /** Median and min–max over rounds of {@code m(config) - m(base)} in the same round. */
    static String pairedDiff(List<Round> rs, List<Round> base, Metric m, String f) {
        double[] d = new double[rs.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = m.of(rs.get(i)) - m.of(base.get(i));
        }
        return Bench.fmt("%+" + f.substring(1) + " (%+" + f.substring(1) + "…%+" + f.substring(1) + ")", Bench.median(d),
                Arrays.stream(d).min().orElse(0), Arrays.stream(d).max().orElse(0));
    }

    static String pairedRatio(List<Round> rs, List<Round> ref, Metric m) {
        double[] d = new double[rs.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = m.of(rs.get(i)) / m.of(ref.get(i));
        }
        return Bench.fmt("%.3f (%.3f–%.3f)", Bench.median(d), Arrays.stream(d).min().orElse(0), Arrays.stream(d).max().orElse(0));
    }

    static String loadNote() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static void printPingPong(Map<Config, List<Round>> res, String load) {
        Bench.header("sockperf TCP ping-pong, 64 B, between two namespaces (issue 17)");
        System.out.println(Bench.fmt("%d interleaved rounds × %d s per configuration; full round trip in µs as sockperf reports it"
                + " (after its 400 ms warm-up); median over rounds (min–max); \"added\" = median over rounds of the difference"
                + " to base in the same round. 1-min load average before → after: %s.", rounds, seconds, load));
        System.out.println();
        System.out.println("| configuration | p50 | p99 | p99.9 | added p50 | added p99 | p99.9 / base p99.9 | exchanges/s"
                + " | stamps or markers per exchange | tool's process CPU ms/s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        List<Round> base = res.values().iterator().next();
        res.forEach((c, rs) -> System.out.println(Bench.fmt("| %s | %s | %s | %s | %s | %s | %s | %.0f | %s | %.1f |", c.name(),
                medRange(rs, Round::p50, "%.1f"), medRange(rs, Round::p99, "%.1f"), medRange(rs, Round::p999, "%.0f"),
                pairedDiff(rs, base, Round::p50, "%.1f"), pairedDiff(rs, base, Round::p99, "%.1f"),
                pairedRatio(rs, base, Round::p999), Bench.median(values(rs, r -> r.exchanges() / (r.secondsMeasured() - 0.4))),
                Double.isNaN(rs.getFirst().markersPerExchange()) ? "" : Bench.fmt("%.2f", Bench.median(values(rs, Round::markersPerExchange))),
                Bench.median(values(rs, Round::toolMsPerGb)))));
        printStartClose(res);
    }

    static void printBulk(Map<Config, List<Round>> res, String load) {
        Bench.header("iperf3, one TCP stream between two namespaces (issue 17)");
        System.out.println(Bench.fmt("%d interleaved rounds × %d s per configuration (after 1 s omitted); median over rounds"
                + " (min–max); ratios per round against the same round's base or floor. Machine CPU: /proc/stat, both cores,"
                + " all but idle and iowait. Tool's process: the bench JVM (LatScope's session runs in it; for base and floor"
                + " it is the idle bench) or bpftrace. 1-min load average before → after: %s.", rounds, seconds, load));
        System.out.println();
        System.out.println("| configuration | Gbit/s | per-round ratio to base | per-round ratio to floor | machine CPU ms/GB"
                + " | CPU/GB vs base | CPU/GB vs floor (points of base) | tool's process CPU ms/GB |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<Round> base = res.values().iterator().next();
        List<Round> floor = res.entrySet().stream().filter(e -> e.getKey().kind() == Kind.FLOOR).map(Map.Entry::getValue)
                .findFirst().orElse(null);
        double baseCpu = Bench.median(values(base, Round::machineMsPerGb));
        res.forEach((c, rs) -> {
            double cpu = Bench.median(values(rs, Round::machineMsPerGb));
            System.out.println(Bench.fmt("| %s | %s | %s | %s | %s | %+.1f %% | %s | %s |", c.name(), medRange(rs, Round::gbps, "%.2f"),
                    pairedRatio(rs, base, Round::gbps), floor == null ? "" : pairedRatio(rs, floor, Round::gbps),
                    medRange(rs, Round::machineMsPerGb, "%.0f"), 100 * (cpu / baseCpu - 1),
                    floor == null ? "" : Bench.fmt("%+.1f", 100 * (cpu - Bench.median(values(floor, Round::machineMsPerGb))) / baseCpu),
                    medRange(rs, Round::toolMsPerGb, "%.1f")));
        });
        printStartClose(res);
    }

    /** A namespace's TCP segments sent so far (TcpOutSegs, from nstat: MSS-sized units, as TCP counts them). */
    static long outSegs(TestNetwork net, String ns) {
        String out = io.latscope.testbed.Cmd.run("ip", "netns", "exec", net.nsName(ns), "nstat", "-az", "TcpOutSegs");
        Matcher m = Pattern.compile("TcpOutSegs\\s+(\\d+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("nstat said: " + out);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Program runs per segment (issue 17): with bpf_stats on (which the other parts leave to
     * the session's own windows, since counting itself costs), 3 s of the bulk flow a → b and
     * 3 s of ping-pong, for the floor and the session rows; runs of every program divided by
     * the data segments a sent (TcpOutSegs, MSS units: one veth skb carries up to 64 KiB) and
     * by the segments b sent (its ACKs), and per ping-pong exchange (two 64-byte data segments,
     * ACKs piggybacked).
     */
    static void countRuns(TestNetwork net, NetNs a, NetNs b, List<Config> configs) {
        Bench.header("Program runs per segment (issue 17)");
        System.out.println("bpf_stats on throughout; bulk: 3 s of iperf3 a → b, runs per data segment a sent (TcpOutSegs, MSS"
                + " units; a veth skb carries ~30 of them, so ~30 runs per 1000 = once per data skb) with b's ACK segments"
                + " counted in the total's row; ping-pong: 3 s of sockperf, runs per exchange (2 data segments, ACKs"
                + " piggybacked). Tracing programs run for all of the machine's traffic and system calls, other engineers'"
                + " included.");
        System.out.println();
        System.out.println("| configuration | program (hook) | bulk: runs per 1000 data segments | ping-pong: runs per exchange |");
        System.out.println("|---|---|---|---|");
        Process server = iperfServer(net, "b", B);
        try (Sockperf sp = new Sockperf(net, "b", B, "a"); io.latscope.bpf.BpfStats on = io.latscope.bpf.BpfStats.enable()) {
            for (Config c : configs) {
                if (c.kind() != Kind.FLOOR && c.kind() != Kind.LATSCOPE) {
                    continue;
                }
                Map<String, long[]> runs = new LinkedHashMap<>(); // program → {bulk runs, ping-pong runs}
                long dataSegs;
                long acks;
                long exchanges;
                for (int phase = 0; phase < 2; phase++) {
                    try (Setup s = new Setup(c, a, b, phase == 0 ? IPERF_PORT : Sockperf.PORT, phase == 0 ? 0 : 64)) {
                        Map<String, Long> before = programRuns(s);
                        long a0 = outSegs(net, "a");
                        long b0 = outSegs(net, "b");
                        if (phase == 0) {
                            iperfRound(net, s, "a", A, B, 3);
                            dataSegs = outSegs(net, "a") - a0;
                            acks = outSegs(net, "b") - b0;
                            runs.put("segments", new long[] {dataSegs, acks});
                        } else {
                            Sockperf.Result r = sp.pingPong(3);
                            exchanges = Math.round(r.exchanges() * 3 / r.seconds());
                            runs.put("exchanges", new long[] {exchanges, 0});
                        }
                        Map<String, Long> after = programRuns(s);
                        final int ph = phase;
                        after.forEach((k, v) -> runs.computeIfAbsent(k, x -> new long[2])[ph] = v - before.getOrDefault(k, 0L));
                    }
                }
                long[] segs = runs.remove("segments");
                long ex = runs.remove("exchanges")[0];
                long[] total = new long[2];
                runs.forEach((k, v) -> {
                    total[0] += v[0];
                    total[1] += v[1];
                    System.out.println(Bench.fmt("| %s | %s | %.1f | %.2f |", c.name(), k, 1000.0 * v[0] / segs[0],
                            v[1] / (double) ex));
                });
                System.out.println(Bench.fmt("| %s | **all** (%d data segments and %d ACKs in bulk, %d exchanges) | %.1f | %.2f |",
                        c.name(), segs[0], segs[1], ex, 1000.0 * total[0] / segs[0], total[1] / (double) ex));
            }
        } finally {
            Tools.stop(server);
        }
    }

    /** Run counts so far of the programs a setup attached, by program (the session's: by attach point too). */
    static Map<String, Long> programRuns(Setup s) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (s.hooks != null) {
            for (io.latscope.bpf.BpfProgram p : s.hooks.programs()) {
                m.put(p.name(), io.latscope.bpf.BpfStats.of(p).runCount());
            }
        }
        if (s.session != null) {
            for (io.latscope.ProbeCost c : s.session.snapshot().probeCosts()) {
                m.merge(c.program() + " (" + c.attachPoint() + ")", c.runs(), Long::sum);
            }
        }
        return m;
    }

    static void printBystanders(Map<Config, List<Round>> res, String load) {
        Bench.header("Bystanders: what a session costs traffic and processes it does not watch (issue 17)");
        System.out.println(Bench.fmt("%d interleaved rounds per configuration; the configuration watches namespaces a and b"
                + " (sockperf's port, idle); an iperf3 flow between two other namespaces c → d for %d s, then dd bs=1 (a read and"
                + " a write system call per byte) in the root namespace, then perf bench sched pipe on CPU 1 (two processes"
                + " passing a token through pipes: two context switches a round trip). Median (min–max); ratios per round against the same"
                + " round's base. 1-min load average before → after: %s.", rounds, seconds, load));
        System.out.println();
        System.out.println("| configuration | flow c → d Gbit/s | ratio to base | machine CPU ms/GB | dd system calls per µs | ratio to base"
                + " | pipe round trips per ms | ratio to base |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<Round> base = res.values().iterator().next();
        res.forEach((c, rs) -> System.out.println(Bench.fmt("| %s | %s | %s | %s | %s | %s | %s | %s |", c.name(),
                medRange(rs, Round::gbps, "%.2f"), pairedRatio(rs, base, Round::gbps), medRange(rs, Round::machineMsPerGb, "%.0f"),
                medRange(rs, Round::markersPerExchange, "%.2f"), pairedRatio(rs, base, Round::markersPerExchange),
                medRange(rs, Round::pipeOpsPerMs, "%.1f"), pairedRatio(rs, base, Round::pipeOpsPerMs))));
    }

    static void printStartClose(Map<Config, List<Round>> res) {
        System.out.println();
        System.out.println("| configuration | attach (ms, in this warm JVM; bpftrace: until its BEGIN ran) | detach / exit (ms) |");
        System.out.println("|---|---|---|");
        res.forEach((c, rs) -> {
            if (c.kind() != Kind.BASE) {
                System.out.println(Bench.fmt("| %s | %s | %s |", c.name(), medRange(rs, Round::startMs, "%.0f"),
                        medRange(rs, Round::closeMs, "%.0f")));
            }
        });
    }

    static void printThreads(String part, Map<Config, List<Round>> res) {
        System.out.println();
        System.out.println("JVM threads during the measured " + part + " rounds, CPU ms per second (median over rounds), and the"
                + " drain thread's voluntary wake-ups per second:");
        System.out.println();
        System.out.println("| configuration | " + String.join(" | ", TaskCpu.KINDS) + " | drain wake-ups/s |");
        System.out.println("|---|" + "---|".repeat(TaskCpu.KINDS.length) + "---|");
        res.forEach((c, rs) -> {
            StringBuilder sb = new StringBuilder("| " + c.name() + " |");
            for (String k : TaskCpu.KINDS) {
                sb.append(Bench.fmt(" %.1f |", Bench.median(values(rs, r -> r.threads().get(k)[0] / 1e6 / r.secondsMeasured()))));
            }
            sb.append(Bench.fmt(" %.0f |", Bench.median(values(rs, r -> r.threads().get("drain")[1] / r.secondsMeasured()))));
            System.out.println(sb);
        });
    }
}
