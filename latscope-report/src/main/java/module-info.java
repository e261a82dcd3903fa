/**
 * What a run leaves behind and how people look at it: a run directory (every interval in an
 * HdrHistogram log, the rest of each interval report beside it, the final report as text)
 * and one self-contained HTML file with charts (Apache ECharts, embedded: it opens offline).
 */
module io.latscope.report {
    requires transitive io.latscope.api;
    requires org.snakeyaml.engine.v2;

    exports io.latscope.report;
}
