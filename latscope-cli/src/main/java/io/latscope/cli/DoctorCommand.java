package io.latscope.cli;

import io.latscope.Diagnosis;
import io.latscope.LatScope;
import io.latscope.SessionSpec;
import io.latscope.config.SpecYaml;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"What this machine offers LatScope, before anything is attached: kernel, BTF, privileges,"
                + " program types, and for each layer the probe points, the hook each would use here and why.",
                "Exits 4 when something a session needs is missing."},
        footer = ExitCodes.HELP)
final class DoctorCommand implements Callable<Integer> {
    @Option(names = {"-l", "--layers"}, split = ",", paramLabel = "LAYER", description = "Layers to plan for; default: all.")
    List<String> layers = List.of();

    @Option(names = "--conf", paramLabel = "CONF", description = "Plan for a configuration's layers and settings instead.")
    Path conf;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SessionSpec s;
        if (conf != null) {
            s = SpecYaml.load(conf).spec();
        } else {
            LatScope.Builder b = LatScope.builder();
            if (!layers.isEmpty()) {
                b.layers(layers.toArray(String[]::new));
            }
            s = b.build();
        }
        Diagnosis d = LatScope.diagnose(s);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Environment");
        for (Diagnosis.Check c : d.checks()) {
            out.printf("  %-7s %-40s %s%n", mark(c.status()), c.name(), Main.oneLine(c.detail()));
        }
        out.println();
        out.println("Probe points (layer, point, hook here, why)");
        for (Diagnosis.PointPlan p : d.points()) {
            out.printf("  %-7s %-7s %-9s %-45s %s%n", p.available() ? "ok" : "MISSING", p.layer(), p.point().label(), p.hook(),
                    Main.oneLine(p.why()));
        }
        List<String> problems = d.problems();
        out.println();
        if (problems.isEmpty()) {
            out.println("Nothing is missing: a session on this host can measure every layer asked for.");
        } else {
            out.println("Missing (" + problems.size() + "):");
            problems.forEach(p -> out.println("  - " + Main.oneLine(p)));
        }
        out.flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.NOT_SUPPORTED;
    }

    private static String mark(Diagnosis.Status s) {
        return switch (s) {
            case OK -> "ok";
            case MISSING -> "MISSING";
            case OPTIONAL -> "-";
            case UNKNOWN -> "unknown";
        };
    }
}
