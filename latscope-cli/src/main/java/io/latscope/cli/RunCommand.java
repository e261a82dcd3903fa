package io.latscope.cli;

import io.latscope.config.LoadedSpec;
import io.latscope.config.SpecYaml;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Measure what a YAML configuration describes: deploy agents and sync clocks for remote hosts,"
                + " attach the probes, measure, and write the report and the interval log into a run directory.",
                "CONF is a LatScope YAML file or a directory in the original LatScope's conf/ shape (docs/cli.md)."},
        footer = ExitCodes.HELP)
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONF", description = "YAML file, or conf/ directory")
    Path conf;

    @Option(names = {"-d", "--duration"}, converter = Durations.class, paramLabel = "D",
            description = "How long to measure (30s, 5m, 1h); default: until Ctrl-C.")
    Duration duration;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "Run directory for report.html, report.txt, intervals.hlog, intervals.yaml, spec.yaml"
                    + " (default: latscope-run-DATE-TIME).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        Measurement.requireNewRunDirectory(out, spec.commandLine());
        LoadedSpec loaded = SpecYaml.load(conf);
        loaded.ignored().forEach(i -> err.println("latscope: ignored " + i));
        loaded.notes().forEach(n -> err.println("latscope: note: " + n));
        Path dir = out != null ? out
                : Path.of("latscope-run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        String title = loaded.spec().label().isEmpty() ? conf.getFileName().toString() : loaded.spec().label();
        Progress progress = new Progress(err, Terminal.isTerminal(), duration, loaded.spec().hosts().size());
        return Measurement.measure(loaded.spec(), duration, dir, title, io.latscope.SessionListener.NONE, progress,
                spec.commandLine().getOut(), err);
    }
}
