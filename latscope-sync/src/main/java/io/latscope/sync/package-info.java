/** Clock synchronisation between hosts (see docs/sync.md). */
package io.latscope.sync;
