package io.latscope.cli;

/** The latscope command's exit codes (also in {@code latscope --help} and docs/cli.md). */
final class ExitCodes {
    /** Done. A watch ended by Ctrl-C after its final report is done too. */
    static final int OK = 0;
    /** The measurement failed while it ran (kernel, remote host, store). */
    static final int FAILED = 1;
    /** The command line is wrong: unknown subcommand or option, a bad value. */
    static final int USAGE = 2;
    /** The configuration or an input file is wrong, unreadable or missing. */
    static final int CONFIG = 3;
    /** This machine cannot measure: no BPF, BTF or privileges ({@code latscope doctor} says what is missing). */
    static final int NOT_SUPPORTED = 4;

    static final String HELP = "%nExit codes:%n"
            + "  0  done (a watch ended by Ctrl-C after its final report, too)%n"
            + "  1  the measurement failed while it ran (kernel, remote host, store)%n"
            + "  2  usage: unknown subcommand or option, a bad value (e.g. a duration)%n"
            + "  3  configuration: a YAML error, an unreadable or missing file or directory%n"
            + "  4  this machine cannot measure (no BPF, BTF or privileges): see latscope doctor%n";

    private ExitCodes() {
    }
}
