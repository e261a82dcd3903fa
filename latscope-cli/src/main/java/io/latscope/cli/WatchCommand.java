package io.latscope.cli;

import io.latscope.HopStats;
import io.latscope.LatScope;
import io.latscope.LatencyReport;
import io.latscope.SessionListener;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"A live per-hop table, refreshed every interval (redrawn in place at a terminal)."
                + " Ctrl-C ends it cleanly with the final report of the whole watch."},
        footer = ExitCodes.HELP)
final class WatchCommand implements Callable<Integer> {
    @Option(names = "--ns", split = ",", paramLabel = "NS",
            description = "Network namespaces (ip netns names; 'self' for this process's own); default: self.")
    List<String> namespaces = List.of();

    @Option(names = "--all-ns", description = "Every network namespace.")
    boolean allNamespaces;

    @Option(names = {"-p", "--ports"}, split = ",", paramLabel = "PORT", description = "TCP ports (either end); default: all.")
    List<Integer> ports = List.of();

    @Option(names = {"-l", "--layers"}, split = ",", paramLabel = "LAYER",
            description = "Layers: SOCKET, TCP, IP, DEV, VETH; default: all.")
    List<String> layers = List.of();

    @Option(names = {"-s", "--stride"}, paramLabel = "BYTES",
            description = "Marker stride, a power of two (default ${DEFAULT-VALUE}; smaller samples more).")
    int stride = LatScope.DEFAULT_STRIDE;

    @Option(names = {"-i", "--interval"}, converter = Durations.class, paramLabel = "D",
            description = "Refresh interval (default 1s).")
    Duration interval = Duration.ofSeconds(1);

    @Option(names = {"-d", "--duration"}, converter = Durations.class, paramLabel = "D",
            description = "Stop after this long; default: until Ctrl-C.")
    Duration duration;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Also write a run directory (report.html, intervals.hlog, ...).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SessionSpec s;
        try {
            LatScope.Builder b = LatScope.builder().stride(stride).interval(interval).label("watch");
            ports.forEach(b::ports);
            if (!layers.isEmpty()) {
                b.layers(layers.toArray(String[]::new));
            }
            if (allNamespaces) {
                b.allNamespaces();
            }
            for (String n : namespaces) {
                b.namespaces(n.equals("self") ? io.latscope.Namespace.current() : io.latscope.Namespace.named(n));
            }
            s = b.build();
        } catch (ConfigurationException e) { // a bad --stride, --ports, --layers or --namespace: a usage error (exit 2)
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Measurement.requireNewRunDirectory(this.out, spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        boolean tty = Terminal.isTerminal();
        Progress progress = new Progress(spec.commandLine().getErr(), false, duration, 1);
        return Measurement.measure(s, duration, this.out, "watch", new Table(out, tty), progress, out, spec.commandLine().getErr());
    }

    /** The live table: each interval's hops, redrawn at a terminal, appended otherwise. */
    static final class Table implements SessionListener.IntervalsOnly {
        private final PrintWriter out;
        private final boolean tty;
        private long seconds;

        Table(PrintWriter out, boolean tty) {
            this.out = out;
            this.tty = tty;
        }


        @Override
        public synchronized void onInterval(LatencyReport r) {
            seconds += Math.round(r.duration().toMillis() / 1000.0);
            StringBuilder b = new StringBuilder();
            if (tty) {
                b.append("\033[H\033[2J");
            }
            b.append(String.format(Locale.ROOT, "latscope watch: %d s, %d markers (%s complete), %d ring drops; %s%n",
                    seconds, r.counters().markersSeen(), r.quality().completeShare(), r.counters().ringBufferDrops(),
                    r.end()));
            int w = 22;
            for (HopStats h : r.hops()) {
                w = Math.max(w, h.hop().toString().length() + 1);
            }
            String row = "%-" + w + "s %8s %11s %11s %11s %11s%n";
            b.append(String.format(Locale.ROOT, row, "hop", "count", "p50", "p90", "p99", "max"));
            for (HopStats h : r.hops()) {
                b.append(String.format(Locale.ROOT, row, h.hop(), h.count(), Progress.format(h.percentileNanos(50)),
                        Progress.format(h.percentileNanos(90)), Progress.format(h.percentileNanos(99)),
                        Progress.format(h.maxNanos())));
            }
            if (r.hops().isEmpty()) {
                b.append("(no marker in this interval)\n");
            }
            out.print(b.append(tty ? "" : "\n"));
            out.flush();
        }
    }
}
