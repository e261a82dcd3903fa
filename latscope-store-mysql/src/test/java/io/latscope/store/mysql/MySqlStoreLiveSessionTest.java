package io.latscope.store.mysql;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.MarkerRecord;
import io.latscope.store.ResultStore;
import io.latscope.store.SessionInfo;
import io.latscope.StoreSpec;
import io.latscope.store.Stores;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real session (probes in the kernel, two namespaces joined by a veth) writing to the
 * MySQL store: the session read back is the report the live session gave, histogram for
 * histogram.
 */
@KernelTest
class MySqlStoreLiveSessionTest {
    @TempDir
    Path spill;

    @Test
    void storedSessionLoadsAsTheLiveSessionsFinalReport() throws SQLException {
        try (TestDatabase db = TestDatabase.onSystemMariaDb(); TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.9.1/24", "b", "10.74.9.2/24");
            StoreSpec store = MySqlStoreSpec.of(Stores.mysql(db.url(), db.admin())).withSpillDirectory(spill).toStoreSpec();
            LatencyReport live;
            String id;
            try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5209).stride(1024)
                    .interval(Duration.ofMillis(100)).markerSampleEvery(10).label("store e2e").store(store).start()) {
                NativeTraffic.messages(a, b, "10.74.9.2", 5209, 1024, 2000, Duration.ofMillis(1), Duration.ZERO);
                s.close();
                live = s.snapshot();
                id = s.id();
            }
            try (ResultStore r = Stores.open(store)) {
                List<LatencyReport> intervals = r.intervals(id);
                assertThat(intervals).as("interval reports").hasSizeGreaterThanOrEqualTo(3);
                LatencyReport loaded = r.load(id).orElseThrow();
                assertThat(loaded.hops()).isEqualTo(live.hops()).isNotEmpty();
                assertThat(loaded.hopsByFlow()).isEqualTo(live.hopsByFlow());
                assertThat(loaded.counters()).isEqualTo(live.counters());
                assertThat(loaded.soleScopes()).isEqualTo(live.soleScopes());
                assertThat(loaded.unavailable()).isEqualTo(live.unavailable());
                assertThat(List.of(loaded.start(), loaded.end())).isEqualTo(List.of(live.start(), live.end()));
                // The session emits its last interval just before taking its final report, so the kernel's
                // probe counters may have run on (FIN, ACK) in between: same probes, as many runs or fewer.
                assertThat(loaded.probeCosts()).hasSameSizeAs(live.probeCosts());
                for (int i = 0; i < live.probeCosts().size(); i++) {
                    assertThat(loaded.probeCosts().get(i).attachPoint()).isEqualTo(live.probeCosts().get(i).attachPoint());
                    assertThat(loaded.probeCosts().get(i).runs()).isLessThanOrEqualTo(live.probeCosts().get(i).runs());
                }

                SessionInfo info = r.session(id).orElseThrow();
                assertThat(info.label()).isEqualTo("store e2e");
                assertThat(info.end()).isEqualTo(live.end());
                List<MarkerRecord> markers = r.markers(id, 10_000);
                assertThat(markers).hasSizeBetween(150, 250);
                assertThat(markers.getFirst().stamps()).isNotEmpty();
            }
        }
    }

    /**
     * A listener that ends the session from its own {@code onInterval} (say, after enough
     * intervals) runs on the session's interval thread. Before the fix the close interrupted
     * that very thread, cutting short the drainer's join and the store's last writes, and the
     * interval the listener was handed went to the store after the session had ended. Now the
     * close completes there: every interval a listener saw is stored, the session's end too.
     * The close's own last interval reaches the listener too, and its close() then returns at
     * once instead of closing the session a second time from within the first close.
     */
    @Test
    void aListenerClosingTheSessionFromItsIntervalLosesNothingOfIt() throws Exception {
        try (TestDatabase db = TestDatabase.onSystemMariaDb(); TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.74.10.1/24", "b", "10.74.10.2/24");
            StoreSpec store = MySqlStoreSpec.of(Stores.mysql(db.url(), db.admin())).withSpillDirectory(spill).toStoreSpec();
            io.latscope.testbed.ClosingListener closesAtFive = new io.latscope.testbed.ClosingListener(5);
            LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(5210).stride(1024)
                    .interval(Duration.ofMillis(200)).store(store).start(closesAtFive);
            closesAtFive.session(s);
            String id = s.id();
            NativeTraffic.messages(a, b, "10.74.10.2", 5210, 1024, 1500, Duration.ofMillis(1), Duration.ZERO);
            assertThat(closesAtFive.awaitClosed(Duration.ofSeconds(30))).as("the listener closed the session").isTrue();
            // the close's own last interval reached the listener, whose close() returned at once
            // (the session closes when the close under way returns), then that close returned
            assertThat(closesAtFive.afterClose()).containsExactly("closed false, interrupted false",
                    "closed true, interrupted false");
            s.close(); // closed already: does nothing
            LatencyReport live = s.snapshot();
            assertThat(live.hop(io.latscope.Hop.END_TO_END).count()).as(live.toString()).isPositive();
            // the intervals up to the close and the last one that close() took
            List<LatencyReport> seen = closesAtFive.seen();
            assertThat(seen).hasSize(closesAtFive.closingAt() + 1);
            try (ResultStore r = Stores.open(store)) {
                assertThat(r.intervals(id)).as("every interval the listener saw is stored").hasSize(seen.size());
                LatencyReport loaded = r.load(id).orElseThrow();
                assertThat(loaded.hops()).isEqualTo(live.hops());
                assertThat(r.session(id).orElseThrow().end()).as("the session's end is stored").isEqualTo(live.end());
            }
        }
    }

    /**
     * The store is opened before the probes: a session whose store cannot be reached fails its
     * start with the store's own error, and nothing is left in the kernel (KernelLeakCheck).
     */
    @Test
    void aStoreThatCannotBeReachedFailsTheStartNamingWhy() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            StoreSpec store = MySqlStoreSpec.of(Stores.mysql("jdbc:mysql://127.0.0.1:" + port + "/latscope", io.latscope.Credentials.of("root", "")))
                    .withSpillDirectory(spill).toStoreSpec();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatScope.builder().namespaces(a.spec()).ports(5211)
                            .store(store).start())
                    .isInstanceOf(io.latscope.error.StoreException.class)
                    .hasMessageContaining("cannot reach MySQL/MariaDB at 127.0.0.1:" + port);
        }
    }
}
