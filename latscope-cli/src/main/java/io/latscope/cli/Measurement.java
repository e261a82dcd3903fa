package io.latscope.cli;

import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.SessionListener;
import io.latscope.SessionSpec;
import io.latscope.config.SpecYaml;
import io.latscope.report.RunDirectory;
import io.latscope.report.RunRecorder;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A session from start to report, as run and watch share it: start, measure until the
 * duration is over or Ctrl-C, close, write the run directory (if any) and print the report.
 */
final class Measurement {
    private Measurement() {
    }

    /**
     * Refuses an {@code --out} directory that holds a run already (a usage error, exit 2): the
     * new run would replace its files without a word.
     */
    static void requireNewRunDirectory(Path out, picocli.CommandLine cmd) {
        if (out == null) {
            return;
        }
        List<String> held = io.latscope.report.RunDirectory.runFilesIn(out);
        if (!held.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(cmd, "--out " + out + " already holds a run ("
                    + String.join(", ", held) + "); give another directory or remove that one");
        }
    }

    static int measure(SessionSpec spec, Duration duration, Path out, String title, SessionListener view, Progress progress,
                       PrintWriter stdout, PrintWriter stderr) throws InterruptedException {
        try (Interrupts interrupts = new Interrupts()) {
            RunRecorder rec = null;
            LatScopeSession session = null;
            try {
                if (out != null) {
                    String yaml = SpecYaml.write(spec);
                    rec = RunRecorder.create(out, "spec (YAML):\n" + yaml);
                    SpecYaml.write(spec, out.resolve(RunDirectory.SPEC_YAML));
                }
                SessionListener listener = SessionListener.both(rec == null ? SessionListener.NONE : rec,
                        SessionListener.both(progress, view));
                progress.phase(spec.isLocal() ? "attaching probes" : "deploying agents and syncing clocks", 0);
                session = spec.start(listener);
                progress.phase("measuring", spec.hosts().size());
                boolean interrupted = interrupts.await(duration);
                progress.phase(interrupted ? "stopping (interrupted)" : "stopping", spec.hosts().size());
                session.close();
                LatencyReport total = session.snapshot();
                progress.close();
                stdout.println(total);
                stdout.flush();
                if (rec != null) {
                    Path html = rec.finish(total, title);
                    stderr.println("latscope: wrote " + out + " (" + String.join(", ", RunDirectory.runFilesIn(out))
                            + "; the HTML report is " + html + ")");
                }
                stderr.flush();
                interrupts.finished(ExitCodes.OK);
                return ExitCodes.OK;
            } finally {
                progress.close();
                if (session != null) {
                    session.close();
                }
                if (rec != null) {
                    rec.close();
                }
            }
        }
    }
}
