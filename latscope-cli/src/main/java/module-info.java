/** The latscope command: run a YAML configuration, watch live, report, compare, doctor. A program, not a library. */
module io.latscope.cli {
    requires io.latscope.api;
    requires io.latscope.config;
    requires io.latscope.report;
    requires info.picocli;

    opens io.latscope.cli to info.picocli;
}
