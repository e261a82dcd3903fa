package io.latscope.agent;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DrainPacerTest {
    private static final long MS = 1_000_000;
    private static final long RING = 8L << 20;

    @Test
    void idleRingBacksOffByDoublingUpToTheMaximum() {
        DrainPacer p = new DrainPacer(RING, MS, 50 * MS);
        assertThat(p.next(0, 0)).isEqualTo(2 * MS);
        assertThat(p.next(0, 2 * MS)).isEqualTo(4 * MS);
        for (int i = 0; i < 10; i++) {
            p.next(0, MS);
        }
        assertThat(p.next(0, 50 * MS)).isEqualTo(50 * MS);
    }

    @Test
    void sleepsUntilTheRingWouldBeAQuarterFull() {
        DrainPacer p = new DrainPacer(RING, MS, 50 * MS);
        // 100 MB/s: a quarter of 8 MiB (2 MiB) fills in ~21 ms
        long park = p.next(1_000_000, 10 * MS);
        assertThat(park).isBetween(20 * MS, 22 * MS);
    }

    @Test
    void aFastRingIsDrainedAtTheMinimumAndASlowOneAtTheMaximum() {
        DrainPacer p = new DrainPacer(RING, MS, 50 * MS);
        assertThat(p.next(4L << 20, MS)).isEqualTo(MS);       // 4 GB/s
        assertThat(p.next(1_000, 10 * MS)).isEqualTo(50 * MS); // 100 kB/s
    }

    @Test
    void activityAfterIdlenessResetsTheBackOff() {
        DrainPacer p = new DrainPacer(RING, MS, 50 * MS);
        for (int i = 0; i < 10; i++) {
            p.next(0, MS);
        }
        assertThat(p.next(2L << 20, 2 * MS)).isEqualTo(2 * MS);
        assertThat(p.next(0, 2 * MS)).isEqualTo(4 * MS);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new DrainPacer(0, MS, MS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DrainPacer(RING, 2 * MS, MS)).isInstanceOf(IllegalArgumentException.class);
    }
}
