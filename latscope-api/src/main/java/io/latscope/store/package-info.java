/**
 * Where sessions' results are kept and read back. {@link io.latscope.store.Stores} makes the
 * {@link io.latscope.StoreSpec} a session carries and opens stores to read past sessions;
 * {@link io.latscope.store.ResultStore} is what a store does, and
 * {@link io.latscope.store.ResultStoreProvider} is how one is found (latscope-store-mysql
 * for MySQL and MariaDB; an in-memory store is built in).
 */
package io.latscope.store;
