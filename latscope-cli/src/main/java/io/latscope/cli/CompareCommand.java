package io.latscope.cli;

import io.latscope.ReportComparison;
import io.latscope.report.HtmlReport;
import io.latscope.report.Run;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Two runs hop by hop: how p50, p90, p99 and max moved from A (the baseline) to B.",
                "A and B are run directories, or session ids of the store given with --store."},
        footer = ExitCodes.HELP)
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "The baseline: a run directory or, with --store, a session id.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "The candidate: a run directory or, with --store, a session id.")
    String b;

    @Option(names = "--store", paramLabel = "URL", description = "Read A and B from this store.")
    String store;

    @Option(names = "--html", paramLabel = "FILE", description = "Write B's charts and the per-hop change to FILE.")
    Path html;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Run baseline = store == null ? ReportCommand.load(Path.of(a), null, null) : ReportCommand.load(null, store, a);
        Run candidate = store == null ? ReportCommand.load(Path.of(b), null, null) : ReportCommand.load(null, store, b);
        spec.commandLine().getOut().println(ReportComparison.of(baseline.total(), candidate.total()));
        spec.commandLine().getOut().flush();
        if (html != null) {
            HtmlReport.write(HtmlReport.compare(baseline, candidate), html);
            spec.commandLine().getErr().println("latscope: wrote " + html);
        }
        return ExitCodes.OK;
    }
}
