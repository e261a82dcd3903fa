package io.latscope.bpf;

import io.latscope.testbed.KernelTest;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@KernelTest
class RingBufferTest {

    @Test
    void deliversEveryRecordInOrderAcrossManyWrapArounds() {
        try (BpfObject obj = io.latscope.testbed.TestObjects.open("ringbench").load();
             RingBuffer ring = RingBuffer.open(obj.map("records"))) {
            BpfProgram burst = obj.program("burst");
            long[] expected = {0};
            long total = 0;
            int[] sizes = {16, 64, 256};
            for (int round = 0; round < 400; round++) {
                int size = sizes[round % 3];
                burst.testRunRawTracepoint(500, size, total);
                total += 500;
                ring.drain((seg, off, len) -> {
                    assertThat(len).isEqualTo(size);
                    assertThat(seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off)).isEqualTo(expected[0]);
                    expected[0]++;
                });
            }
            // 200 000 records of up to 264 bytes through a 256 KiB ring: it wrapped ~70 times
            assertThat(expected[0]).isEqualTo(total);
            assertThat(ring.pendingBytes()).isZero();
            assertThat(obj.map("dropped").typed(MapCodec.INT, MapCodec.LONG).get(0)).isZero();
        }
    }

    @Test
    void aFullRingDropsInTheKernelAndTheDropsAreCountable() {
        try (BpfObject obj = io.latscope.testbed.TestObjects.open("ringbench").load();
             RingBuffer ring = RingBuffer.open(obj.map("records"))) {
            BpfProgram burst = obj.program("burst");
            // 256 KiB ring, 72-byte slots: about 3640 fit; 5000 cannot.
            burst.testRunRawTracepoint(5000, 64, 0);
            long dropped = obj.map("dropped").typed(MapCodec.INT, MapCodec.LONG).get(0);
            int[] got = {0};
            ring.drain((seg, off, len) -> got[0]++);
            assertThat(dropped).isPositive();
            assertThat(got[0] + dropped).isEqualTo(5000);
            assertThat(ring.capacity()).isEqualTo(256 * 1024);
        }
    }

    @Test
    void closedRingRefusesToDrain() {
        try (BpfObject obj = TestPrograms.testprogs().load()) {
            RingBuffer ring = RingBuffer.open(obj.map("events"));
            ring.close();
            ring.close();
            assertThatThrownBy(() -> ring.drain((s, o, l) -> { })).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> RingBuffer.open(obj.map("kv"))).hasMessageContaining("not a ring buffer");
        }
    }
}
