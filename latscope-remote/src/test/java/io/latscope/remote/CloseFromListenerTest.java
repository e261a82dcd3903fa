package io.latscope.remote;

import io.latscope.LatScope;
import io.latscope.LatencyReport;
import io.latscope.SessionHealth;
import io.latscope.SessionSpec;
import io.latscope.StoreSpec;
import io.latscope.store.ResultStore;
import io.latscope.store.Stores;
import io.latscope.sync.Sync;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.OwnMariaDb;
import io.latscope.testbed.TestNetwork;
import io.latscope.testbed.TestRedis;
import io.latscope.transport.RedisEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.latscope.Hop.END_TO_END;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A two-host session whose listener ends it from {@code onInterval}, with a MySQL store. The
 * listener runs on the controller's interval thread; before the fix, {@code close()} there
 * interrupted that very thread, and the store's last flush failed with "interrupted while
 * flushing", leaving the session half closed: no final report, the store not closed. Now the
 * close completes on that thread, and the store holds every interval and the session's end.
 */
@KernelTest
class CloseFromListenerTest {
    @TempDir
    Path spill;

    @Test
    void aListenerClosingTheSessionFromItsIntervalLosesNothingOfIt() throws Exception {
        try (OwnMariaDb db = OwnMariaDb.start(); TestNetwork net = TestNetwork.create()) {
            String url = db.createDatabase("latscope_close_from_listener");
            StoreSpec store = Stores.mysql(url, db.root()).with("spillDirectory", spill);
            MultiHostTest.Bed bed = MultiHostTest.Bed.of(net, "10.72.0", 2);
            io.latscope.testbed.ClosingListener closesAtFour = new io.latscope.testbed.ClosingListener(4);
            String id;
            LatencyReport live;
            try (TestRedis redis = TestRedis.start("10.72.0.254", 26372, null)) {
                SessionSpec spec = LatScope.builder().ports(5605).stride(1024).interval(Duration.ofMillis(500))
                        .redis(redis.url()).store(store).build();
                try (RemoteSession s = RemoteSession.start(spec, closesAtFour, bed.targets(),
                        RedisEndpoint.of(spec.redis()), Sync.none(), bed.controller())) {
                    closesAtFour.session(s);
                    id = s.id();
                    NativeTraffic.messages(net.ns("h1"), net.ns("h2"), "10.72.0.2", 5605, 1024, 300,
                            Duration.ofMillis(10), Duration.ZERO);
                    assertThat(closesAtFour.awaitClosed(Duration.ofSeconds(60))).as("the listener closed the session").isTrue();
                    // the close's own last interval reached the listener, whose close() returned at
                    // once (the session closes when the close under way returns), then that close returned
                    assertThat(closesAtFour.afterClose()).containsExactly("closed false, interrupted false",
                            "closed true, interrupted false");
                    live = s.snapshot();
                    assertThat(s.health().state()).as(s.health().toString()).isEqualTo(SessionHealth.State.LIVE);
                }
            }
            assertThat(live.hop(END_TO_END).count()).as(live.toString()).isPositive();
            try (ResultStore read = Stores.open(Stores.mysql(url, db.root()).with("spillDirectory", spill))) {
                assertThat(read.session(id).orElseThrow().end()).as("the session's end is stored").isEqualTo(live.end());
                LatencyReport stored = read.load(id).orElseThrow();
                assertThat(stored.hop(END_TO_END).count()).isEqualTo(live.hop(END_TO_END).count());
            }
        }
    }
}
