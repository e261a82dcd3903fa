/**
 * Clock synchronisation between hosts, usable on its own (docs/sync.md): a
 * {@link io.latscope.sync.ClockSync} started with a {@link io.latscope.sync.SyncStrategy}
 * ({@link io.latscope.sync.Sync#xdp()}, {@link io.latscope.sync.Sync#userSpace()} or
 * {@link io.latscope.sync.Sync#none()}) probes every {@link io.latscope.sync.SyncHost} from the
 * reference host and keeps, per host, a {@link io.latscope.sync.ClockModel}: offset and drift
 * of its CLOCK_MONOTONIC against the reference's, with an error bound that holds by
 * causality whatever the queueing.
 */
package io.latscope.sync;
