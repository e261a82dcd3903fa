package io.latscope.cli;

import io.latscope.Counters;
import io.latscope.LatencyReport;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What `latscope run` prints on stderr while it measures: redrawn at a terminal, plain lines elsewhere. */
class ProgressTest {
    private static final String CLEAR = "\r\033[K";

    /** One interval of 1 s: 400 markers seen (390 matched, 10 incomplete), 3 ring-buffer drops. */
    private static LatencyReport interval() {
        Instant t0 = Instant.parse("2026-12-06T00:00:00Z");
        return LatencyReport.builder("s").period(t0, t0.plusSeconds(1)).interval(true)
                .counters(new Counters(Map.of(), 390, 10, 0, 3, 1200)).build();
    }

    @Test
    void atATerminalOneLineIsRedrawnInPlaceTwiceASecondAndClearedAtTheEnd() throws Exception {
        StringWriter out = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(out), true, Duration.ofSeconds(30), 2)) {
            p.phase("deploying", 0);
            p.phase("measuring", 2);
            p.onInterval(interval());
            Thread.sleep(1700); // the timer redraws every 500 ms
        }
        String s = out.toString();
        assertThat(s).as("one line, redrawn in place").doesNotContain("\n").startsWith(CLEAR).endsWith(CLEAR);
        String[] draws = Arrays.stream(s.split("\r\033\\[K")).filter(d -> !d.isEmpty()).toArray(String[]::new);
        assertThat(draws[0]).isEqualTo("deploying: hosts ready 0/2");
        assertThat(Arrays.stream(draws).filter(d -> d.startsWith("measuring")).findFirst()).as(s)
                .hasValue("measuring: hosts ready 2/2, 0 s elapsed, 30 s remaining, 0 markers/s, 0 markers, 0 drops");
        assertThat(draws).as("drawn at each phase and by the timer").hasSizeGreaterThanOrEqualTo(4);
        // the timer's last draw, 1.5 s or more into the measurement (more on a busy machine)
        assertThat(draws[draws.length - 1]).as(s).matches(
                "measuring: hosts ready 2/2, [1-9] s elapsed, (2[1-9]) s remaining, 400 markers/s, 400 markers, 3 drops");
    }

    @Test
    void elsewhereAPlainLineForEachPhaseAndEachInterval() {
        StringWriter out = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(out), false, null, 1)) {
            p.phase("measuring", 1);
            p.onInterval(interval());
            p.onInterval(interval());
        }
        assertThat(out.toString().lines().toList()).containsExactly(
                "latscope: measuring: hosts ready 1/1, 0 s elapsed, 0 markers/s, 0 markers, 0 drops",
                "latscope: measuring: hosts ready 1/1, 0 s elapsed, 400 markers/s, 400 markers, 3 drops",
                "latscope: measuring: hosts ready 1/1, 0 s elapsed, 400 markers/s, 800 markers, 6 drops");
        assertThat(out.toString()).doesNotContain("\r", "\033");
    }
}
