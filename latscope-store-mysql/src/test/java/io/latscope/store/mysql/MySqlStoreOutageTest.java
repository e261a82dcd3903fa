package io.latscope.store.mysql;

import io.latscope.LatencyReport;
import io.latscope.MarkerRecord;
import io.latscope.store.ResultStore;
import io.latscope.store.StoreHealth;
import io.latscope.testbed.OwnMariaDb;
import io.latscope.store.Stores;
import io.latscope.testing.TestReports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.latscope.testing.TestReports.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database goes away mid-run (killed, on a MariaDB server of the test's own) and comes
 * back: every interval and record arrives exactly once, counted row by row.
 */
class MySqlStoreOutageTest {
    private static final int MARKERS_PER_INTERVAL = 200;
    private static OwnMariaDb server;
    private static TestDatabase db;
    @TempDir
    Path spill;

    @BeforeAll
    static void startServer() throws IOException, InterruptedException {
        server = OwnMariaDb.start();
        db = TestDatabase.create(server.hostPort(), server.root());
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            db.close();
        } finally {
            server.close();
        }
    }

    private MySqlStoreSpec spec() {
        // A small memory bound, so the outage also exercises the spill file.
        return MySqlStoreSpec.of(Stores.mysql(db.url(), server.root())).withSpillDirectory(spill).withMaxBufferedBytes(64 * 1024)
                .withBatchRows(500).withConnectTimeout(Duration.ofSeconds(1)).withMaxRetryBackoff(Duration.ofSeconds(2));
    }

    @Test
    void databaseDownForThirtySecondsMidRunLosesNothingAndDuplicatesNothing() throws Exception {
        String id = "outage";
        List<LatencyReport> sent = Collections.synchronizedList(new ArrayList<>());
        AtomicLong slowestCallNanos = new AtomicLong();
        StoreHealth duringOutage;
        try (ResultStore store = spec().open()) {
            store.sessionStarted(TestReports.session(id));
            AtomicBoolean running = new AtomicBoolean(true);
            // Like a live session: an interval and a batch of marker records every 100 ms.
            Thread producer = Thread.ofPlatform().start(() -> {
                for (int i = 0; running.get(); i++) {
                    LatencyReport r = TestReports.interval(id, i, 42);
                    long t0 = System.nanoTime();
                    store.intervalClosed(r);
                    store.markers(id, TestReports.markers(i * MARKERS_PER_INTERVAL, MARKERS_PER_INTERVAL));
                    slowestCallNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    sent.add(r);
                    sleep(100);
                }
            });
            sleep(2_000);
            assertThat(store.health().written()).isPositive();

            server.kill();
            StoreHealth worst = store.health();
            for (int s = 0; s < 30; s++) {
                sleep(1_000);
                StoreHealth h = store.health();
                worst = h.spilled() > worst.spilled() ? h : worst;
            }
            duringOutage = worst;
            server.startServer();
            sleep(2_000);
            running.set(false);
            producer.join();

            store.sessionEnded(id, T0.plusSeconds(sent.size()));
            store.flush(Duration.ofSeconds(60));
            StoreHealth after = store.health();
            assertThat(after.pending()).isZero();
            assertThat(after.spilled()).isZero();
            assertThat(after.healthy()).as("recovered: %s", after).isTrue();
            assertThat(after.retries()).isPositive();
        }
        assertThat(duringOutage.healthy()).isFalse();
        assertThat(duringOutage.lastError()).contains("database unreachable");
        assertThat(duringOutage.spilled()).as("spilled during the outage").isPositive();
        assertThat(duringOutage.pending()).isGreaterThan(duringOutage.spilled());
        assertThat(Duration.ofNanos(slowestCallNanos.get())).as("slowest write call").isLessThan(Duration.ofSeconds(1));

        int n = sent.size();
        assertThat(n).as("intervals sent in ~34 s").isGreaterThan(100);
        assertThat(db.count("sessions", id)).isEqualTo(1);
        assertThat(db.count("intervals", id)).isEqualTo(n);
        assertThat(db.queryLong("SELECT MAX(seq) + 1 FROM intervals WHERE session_id = ?", id)).isEqualTo(n);
        assertThat(db.count("hop_histograms", id)).isEqualTo(18L * n);
        assertThat(db.count("point_counters", id)).isEqualTo(2L * n);
        assertThat(db.count("flow_stats", id)).isEqualTo(2L * n);
        assertThat(db.count("process_stats", id)).isEqualTo(2L * n);
        assertThat(db.count("clock_estimates", id)).isEqualTo(n);
        assertThat(db.count("probe_costs", id)).isEqualTo(n);
        assertThat(db.count("unavailable_hops", id)).isEqualTo(n);
        assertThat(db.count("markers", id)).isEqualTo((long) MARKERS_PER_INTERVAL * n);
        assertThat(db.count("flows", id)).isEqualTo(2);
        assertThat(spillFiles()).isEmpty();

        try (ResultStore store = spec().open()) {
            assertThat(store.intervals(id)).isEqualTo(sent);
            assertThat(store.markers(id, Integer.MAX_VALUE)).isEqualTo(TestReports.markers(0, MARKERS_PER_INTERVAL * n));
            assertThat(store.session(id).orElseThrow().end()).isEqualTo(T0.plusSeconds(n));
        }
    }

    @Test
    void storeClosedWhileTheDatabaseIsAwayLeavesItsDataForTheNextStore() throws Exception {
        String id = "closed-while-away";
        MySqlStoreSpec spec = spec().withCloseTimeout(Duration.ofSeconds(2));
        List<LatencyReport> sent = TestReports.intervals(id, 8, 9);
        List<MarkerRecord> markers = TestReports.markers(0, 1_000);
        try (ResultStore store = spec.open()) {
            store.sessionStarted(TestReports.session(id));
            sent.subList(0, 3).forEach(store::intervalClosed);
            store.flush(Duration.ofSeconds(30));
            server.kill();
            sent.subList(3, 8).forEach(store::intervalClosed);
            store.markers(id, markers);
            store.sessionEnded(id, T0.plusSeconds(8));
        }
        assertThat(spillFiles()).hasSize(1);

        server.startServer();
        try (ResultStore store = spec.open()) {
            store.flush(Duration.ofSeconds(30));
            assertThat(store.intervals(id)).isEqualTo(sent);
            assertThat(store.markers(id, 10_000)).isEqualTo(markers);
            assertThat(store.session(id).orElseThrow().end()).isEqualTo(T0.plusSeconds(8));
        }
        assertThat(spillFiles()).isEmpty();
        assertThat(db.count("intervals", id)).isEqualTo(8);
    }

    private List<Path> spillFiles() throws IOException {
        try (Stream<Path> s = Files.walk(spill)) {
            return s.filter(p -> p.toString().endsWith(".spill")).toList();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
