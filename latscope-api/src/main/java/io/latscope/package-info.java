/**
 * What a user names to measure where latency goes between an application's write and its
 * peer's read. {@link io.latscope.LatScope#builder()} makes a {@link io.latscope.SessionSpec}
 * (plain data: hosts, layers, traffic, sampling, store, sync); {@link io.latscope.SessionSpec#start()}
 * finds an engine through {@link io.latscope.SessionProvider} and returns a live
 * {@link io.latscope.LatScopeSession}, whose snapshots are {@link io.latscope.LatencyReport}s:
 * one histogram per {@link io.latscope.Hop} (nanoseconds), with the {@link io.latscope.DataQuality}
 * and {@link io.latscope.Provenance} to judge them by.
 */
package io.latscope;
