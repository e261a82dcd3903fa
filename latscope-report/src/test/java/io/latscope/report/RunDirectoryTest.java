package io.latscope.report;

import io.latscope.report.testing.SampleRuns;

import io.latscope.Hop;
import io.latscope.HopStats;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run directory read back gives what was recorded: every interval, and the whole run merged from them. */
class RunDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void whatWasRecordedReadsBack() throws Exception {
        Run recorded = SampleRuns.record(dir, "s-1", 5, 3, 1.0);
        assertThat(dir.resolve(RunDirectory.REPORT_TXT)).content().contains("END_TO_END@client->server");
        assertThat(dir.resolve(RunDirectory.REPORT_HTML)).content().contains("latscope-data", "echarts");
        Run read = RunDirectory.read(dir);
        assertThat(read.intervals()).hasSize(5);
        assertThat(read.total().hops()).hasSameSizeAs(recorded.total().hops());
        for (HopStats h : recorded.total().hops()) {
            assertThat(read.total().hop(h.hop()).histogram()).as(h.hop().toString()).isEqualTo(h.histogram());
        }
        assertThat(read.total().counters()).isEqualTo(recorded.total().counters());
        assertThat(read.total().flows()).isEqualTo(recorded.total().flows());
        assertThat(read.total().clocks()).isEqualTo(recorded.total().clocks());
        assertThat(read.total().provenance()).isEqualTo(recorded.total().provenance());
        assertThat(read.total().health()).isEqualTo(recorded.total().health())
                .hasValueSatisfying(h -> assertThat(h.state()).isEqualTo(io.latscope.SessionHealth.State.LOST));
        assertThat(read.intervals().get(2).hops().get(Hop.END_TO_END.in("client->server").toString()))
                .isEqualTo(recorded.intervals().get(2).hops().get("END_TO_END@client->server"));
        assertThat(read.title()).isEqualTo("sample");
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachIntervalsHealthReadsBackFromItsYaml() {
        for (int seq = 0; seq < 5; seq++) { // LIVE, LIVE, LIVE, DEGRADED (a cause), LOST (a host's loss)
            io.latscope.LatencyReport written = SampleRuns.interval("s-2", seq, 3, 1.0);
            String yaml = IntervalRecords.write(written);
            var doc = (java.util.Map<String, Object>) new org.snakeyaml.engine.v2.api.Load(
                    org.snakeyaml.engine.v2.api.LoadSettings.builder().build()).loadFromString(yaml);
            assertThat(IntervalRecords.read(doc, java.util.Map.of()).health()).as("interval " + seq)
                    .isEqualTo(written.health()).isPresent();
        }
    }

    @Test
    void aDirectoryThatIsNoRunSaysWhatItLacks() throws Exception {
        assertThatThrownBy(() -> RunDirectory.read(dir)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("is not a LatScope run directory").hasMessageContaining("intervals.hlog");
        Files.writeString(dir.resolve(RunDirectory.INTERVALS_HLOG), "");
        Files.writeString(dir.resolve(RunDirectory.INTERVALS_YAML), "");
        assertThatThrownBy(() -> RunDirectory.read(dir)).hasMessageContaining("holds no interval yet");
    }
}
