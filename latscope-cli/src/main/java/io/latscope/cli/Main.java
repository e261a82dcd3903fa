package io.latscope.cli;

import io.latscope.error.ConfigurationException;
import io.latscope.error.NotSupportedException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * {@code latscope}: the command line. Every subcommand has {@code --help}; errors are one
 * line on stderr (a stack trace with {@code --verbose}) and an exit code from {@link ExitCodes}.
 */
@Command(name = "latscope", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Where network latency goes, hop by hop: socket, TCP, IP, device, veth, wire.",
        subcommands = {RunCommand.class, WatchCommand.class, ReportCommand.class, CompareCommand.class,
                DoctorCommand.class, AutoComplete.GenerateCompletion.class},
        footer = ExitCodes.HELP + "%nShell completion: source <(latscope generate-completion)%n")
public final class Main implements Runnable {
    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "On an error, print the stack trace too.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: run, watch, report, compare or doctor");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (what {@link #main} exits with). */
    static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd, verbose(parsed)));
        return cl.execute(args);
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String hint = "";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            hint = " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(e.getMessage()) + hint + "; see "
                + cmd.getCommandSpec().qualifiedName() + " --help");
        err.flush();
        return ExitCodes.USAGE;
    }

    static int failure(Exception e, CommandLine cmd, boolean verbose) {
        PrintWriter err = cmd.getErr();
        int code = switch (e) {
            case NotSupportedException n -> ExitCodes.NOT_SUPPORTED;
            case ConfigurationException c -> ExitCodes.CONFIG;
            case UncheckedIOException u -> ExitCodes.CONFIG;
            case CommandLine.ParameterException p -> ExitCodes.USAGE;
            default -> ExitCodes.FAILED;
        };
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            msg = msg + ": " + u.getCause().getMessage();
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(msg)
                + (code == ExitCodes.NOT_SUPPORTED ? " (latscope doctor lists what is missing)" : "")
                + (verbose ? "" : code == ExitCodes.FAILED ? " (--verbose for the stack trace)" : ""));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The version: the jar's, or "development build" from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"latscope " + (v == null ? "(development build)" : v) + ", Java "
                    + System.getProperty("java.version")};
        }
    }
}
