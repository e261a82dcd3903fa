package io.latscope.agent;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The read-only filter tables handed to probes.bpf.c, read back the way its lookups read them. */
class FilterTablesTest {
    /** netns_wanted() of probes.bpf.c, in Java. */
    static boolean lookup(int[] t, int ns) {
        int slot = (ns * 0x9E3779B1) >>> (32 - LocalProbes.NETNS_SLOT_BITS);
        for (int k = 0; k < LocalProbes.NETNS_PROBES; k++) {
            int v = t[(slot + k) & (t.length - 1)];
            if (v == ns) {
                return true;
            }
            if (v == 0) {
                return false;
            }
        }
        return false;
    }

    @Test
    void portBitsHoldExactlyTheWantedPorts() {
        byte[] b = LocalProbes.portBits(Set.of(0, 63, 64, 5001, 65535));
        var words = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).asLongBuffer();
        List<Integer> set = new ArrayList<>();
        for (int p = 0; p < 65536; p++) {
            if (((words.get(p >> 6) >>> (p & 63)) & 1) != 0) {
                set.add(p);
            }
        }
        assertThat(set).containsExactly(0, 63, 64, 5001, 65535);
    }

    @Test
    void namespacesAreFoundAndOthersAreNot() {
        List<Long> inodes = new ArrayList<>();
        for (long i = 0; i < 40; i++) {
            inodes.add(4026531840L + 3 * i); // like /proc inode numbers: 0xF0000000 + n
        }
        int[] t = LocalProbes.netnsSlots(inodes);
        assertThat(t).isNotNull();
        for (long i = 0; i < 200; i++) {
            long ns = 4026531840L + i;
            assertThat(lookup(t, (int) ns)).as("inode %d", ns).isEqualTo(i % 3 == 0 && i < 120);
        }
    }

    @Test
    void tooManyCollisionsFallBackToTheMap() {
        // five inodes with one slot: the fifth is more than NETNS_PROBES - 1 away
        List<Long> same = new ArrayList<>();
        for (long ns = 1; same.size() < LocalProbes.NETNS_PROBES + 1; ns++) {
            if ((((int) ns * 0x9E3779B1) >>> (32 - LocalProbes.NETNS_SLOT_BITS)) == 7) {
                same.add(ns);
            }
        }
        assertThat(LocalProbes.netnsSlots(same.subList(0, LocalProbes.NETNS_PROBES))).isNotNull();
        assertThat(LocalProbes.netnsSlots(same)).isNull();
    }
}
