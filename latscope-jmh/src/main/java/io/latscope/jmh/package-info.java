/**
 * A JMH profiler, {@link io.latscope.jmh.LatScopeProfiler}: run a benchmark with
 * {@code -prof io.latscope.jmh.LatScopeProfiler:layers=...;ports=...} and every iteration
 * reports where its network latency went, hop by hop, as secondary results.
 */
package io.latscope.jmh;
