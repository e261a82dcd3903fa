package io.latscope.cli;

import io.latscope.report.HtmlReport;
import io.latscope.report.Run;
import io.latscope.report.RunDirectory;
import io.latscope.store.ResultStore;
import io.latscope.store.Stores;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Print the report of a run directory or of a stored session; with --html, also write it with charts.",
                "The store's credentials come from LATSCOPE_DB_USER and LATSCOPE_DB_PASSWORD (or LATSCOPE_DB_CREDENTIALS_FILE)."},
        footer = ExitCodes.HELP)
final class ReportCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Parameters(index = "0", paramLabel = "DIR", description = "A run directory (latscope run --out DIR).")
        Path dir;

        @ArgGroup(exclusive = false)
        Stored stored;
    }

    static final class Stored {
        @Option(names = "--store", required = true, paramLabel = "URL", description = "A store URL, e.g. jdbc:mysql://127.0.0.1:3306/latscope.")
        String url;

        @Option(names = "--session", required = true, paramLabel = "ID", description = "The session's id.")
        String session;
    }

    @Option(names = "--html", paramLabel = "FILE", description = "Write the report with charts to FILE (one self-contained file).")
    Path html;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Run run = load(source.dir, source.stored == null ? null : source.stored.url,
                source.stored == null ? null : source.stored.session);
        spec.commandLine().getOut().println(run.total());
        spec.commandLine().getOut().flush();
        if (html != null) {
            HtmlReport.write(run, html);
            spec.commandLine().getErr().println("latscope: wrote " + html);
        }
        return ExitCodes.OK;
    }

    static Run load(Path dir, String storeUrl, String session) {
        if (dir != null) {
            if (!Files.isDirectory(dir)) {
                throw new io.latscope.error.ConfigurationException(dir + ": no such directory");
            }
            return RunDirectory.read(dir);
        }
        try (ResultStore store = Stores.open(Stores.of(storeUrl))) {
            return RunDirectory.read(store, session);
        }
    }
}
