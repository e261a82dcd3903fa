package io.latscope.store.memory;

import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.error.ConfigurationException;
import io.latscope.store.SessionInfo;
import io.latscope.testing.TestReports;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.latscope.testing.TestReports.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryStoreTest {
    private final InMemoryStore store = new InMemoryStore();

    @Test
    void whatIsWrittenIsReadBackAndMerged() {
        List<LatencyReport> intervals = TestReports.intervals("s", 3, 5);
        store.sessionStarted(TestReports.session("s"));
        intervals.forEach(store::intervalClosed);
        store.markers("s", TestReports.markers(0, 10));
        store.sessionEnded("s", T0.plusSeconds(3));
        store.flush(Duration.ZERO);

        assertThat(store.intervals("s")).isEqualTo(intervals);
        assertThat(store.load("s")).contains(LatencyReport.merge("s", T0, T0.plusSeconds(3), intervals));
        assertThat(store.markers("s", 4)).isEqualTo(TestReports.markers(0, 4));
        assertThat(store.session("s").orElseThrow().end()).isEqualTo(T0.plusSeconds(3));
        assertThat(store.health().written()).isEqualTo(1 + 3 + 10 + 1);
        assertThat(store.health().healthy()).isTrue();
        assertThat(store.load("missing")).isEmpty();
    }

    @Test
    void runningSessionLoadsUpToItsLastInterval() {
        store.sessionStarted(TestReports.session("r"));
        store.intervalClosed(TestReports.interval("r", 0, 1));
        assertThat(store.load("r").orElseThrow().end()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void sessionsNewestFirstAndComparedByHop() {
        store.sessionStarted(new SessionInfo("old", null, T0, null, List.of(), null));
        store.sessionStarted(new SessionInfo("new", null, T0.plusSeconds(60), null, List.of(), null));
        store.intervalClosed(TestReports.interval("old", 0, 1));
        store.intervalClosed(TestReports.interval("new", 0, 2));
        assertThat(store.sessions()).extracting(SessionInfo::id).containsExactly("new", "old");
        assertThat(store.compare("old", "new").hop(Hop.TX_TCP)).isPresent();
        assertThatThrownBy(() -> store.compare("old", "nope")).hasMessageContaining("no session 'nope'");
    }

    @Test
    void misuseIsRefusedWithTheReason() {
        assertThatThrownBy(() -> store.intervalClosed(TestReports.interval("never", 0, 1)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("call sessionStarted first");
        store.sessionStarted(TestReports.session("twice"));
        assertThatThrownBy(() -> store.sessionStarted(TestReports.session("twice"))).hasMessageContaining("already started");
        LatencyReport cumulative = LatencyReport.builder("twice").period(T0, T0).build();
        assertThatThrownBy(() -> store.intervalClosed(cumulative)).hasMessageContaining("takes interval reports");
    }
}
