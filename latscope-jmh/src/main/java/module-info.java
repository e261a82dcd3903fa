/** A JMH profiler that reports LatScope's per-hop latency percentiles for every iteration. */
module io.latscope.jmh {
    requires transitive io.latscope.api;
    requires transitive jmh.core;

    exports io.latscope.jmh;

    provides org.openjdk.jmh.profile.Profiler with io.latscope.jmh.LatScopeProfiler;
}
