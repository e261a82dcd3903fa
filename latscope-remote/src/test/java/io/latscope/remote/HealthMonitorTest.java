package io.latscope.remote;

import io.latscope.SessionHealth;
import io.latscope.store.StoreHealth;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The controller's health view: what it says live, and what it hands a result store. */
class HealthMonitorTest {
    private static final StoreHealth STORE_DOWN = new StoreHealth(12, 3, 100, 4, "Connection refused", Instant.now());

    @Test
    void theStoresOwnTroubleIsLeftOutOfWhatTheStoreKeeps() {
        HealthMonitor m = new HealthMonitor(List.of("h1", "h2"), Duration.ofSeconds(1), Duration.ofMinutes(5));
        HealthMonitor.Inputs in = new HealthMonitor.Inputs(Duration.ZERO, null, STORE_DOWN);
        SessionHealth live = m.now(in);
        assertThat(live.state()).isEqualTo(SessionHealth.State.DEGRADED);
        assertThat(live.causes()).singleElement().asString().startsWith("the result store cannot write (Connection refused)");

        // spilled items are written once the store is back, so a stored "cannot write" would be stale
        SessionHealth stored = m.forStore(in);
        assertThat(stored.state()).isEqualTo(SessionHealth.State.LIVE);
        assertThat(stored.causes()).isEmpty();
        // and asking for the store's copy changes nothing in the live view
        assertThat(m.now(in)).isEqualTo(live);

        // what the store keeps still says what is wrong elsewhere
        HealthMonitor.Inputs redisAway = new HealthMonitor.Inputs(Duration.ofSeconds(4), "Connection reset", STORE_DOWN);
        SessionHealth both = m.now(redisAway);
        assertThat(both.causes()).hasSize(2);
        assertThat(m.forStore(redisAway).causes()).singleElement().asString().startsWith("Redis unreachable from the controller");
        assertThat(m.forStore(redisAway).since()).isEqualTo(both.since());
    }

    @Test
    void lossesAreListedByHostAsStoresReadThemBack() {
        HealthMonitor m = new HealthMonitor(List.of("h2", "h10", "h1"), Duration.ofSeconds(1), Duration.ofMinutes(5));
        m.addLoss("h2", new SessionHealth.Loss(5, 1, 20, "beyond the budget"));
        m.addLoss("h1", new SessionHealth.Loss(3, 1, 9, "beyond the budget"));
        m.addLoss("h2", new SessionHealth.Loss(1, 0, 4, "no goodbye"));
        SessionHealth h = m.now(new HealthMonitor.Inputs(Duration.ZERO, null, null));
        assertThat(h.state()).isEqualTo(SessionHealth.State.LOST);
        assertThat(h.lost().keySet()).containsExactly("h1", "h2");
        assertThat(h.lost().get("h2")).isEqualTo(new SessionHealth.Loss(6, 1, 24, "beyond the budget; no goodbye"));
        assertThat(m.forStore(new HealthMonitor.Inputs(Duration.ZERO, null, STORE_DOWN))).isEqualTo(h);
    }
}
