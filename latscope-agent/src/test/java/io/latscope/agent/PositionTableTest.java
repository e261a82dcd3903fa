package io.latscope.agent;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PositionTable} and {@link ReadLog} against the JDK maps they replace in the joiner. */
class PositionTableTest {
    static final class E extends PositionTable.Entry {
        E(long position) {
            this.position = position;
        }
    }

    @Test
    void behavesLikeALinkedHashMapUnderRandomAddsAndRemoves() {
        SplittableRandom r = new SplittableRandom(17);
        for (long stride : new long[] {1, 64, 1 << 16, 1L << 32}) {
            PositionTable<E> t = new PositionTable<>();
            LinkedHashMap<Long, E> model = new LinkedHashMap<>();
            for (int step = 0; step < 200_000; step++) {
                // positions from a window that moves ahead, as a flow's markers do; clustered
                // on multiples of the stride, the case a plain low-bits hash would pile up on
                long p = (1L << 32) + stride * (step / 4 + r.nextInt(64));
                int op = r.nextInt(10);
                if (op < 5) {
                    if (!model.containsKey(p)) {
                        E e = new E(p);
                        t.add(e);
                        model.put(p, e);
                    } else {
                        assertThatThrownBy(() -> t.add(new E(p))).isInstanceOf(IllegalStateException.class);
                    }
                } else if (op < 8) {
                    E e = model.remove(p);
                    if (e != null) {
                        assertThat(t.remove(e)).isTrue();
                        assertThat(t.remove(e)).as("twice").isFalse();
                    }
                } else if (!model.isEmpty()) {
                    // expiry: the oldest goes first
                    E oldest = model.values().iterator().next();
                    assertThat(t.oldest()).isSameAs(oldest);
                    t.remove(oldest);
                    model.remove(oldest.position);
                }
                assertThat(t.get(p)).isSameAs(model.get(p));
                assertThat(t.size()).isEqualTo(model.size());
                if (step % 997 == 0) {
                    t.trim();
                    t.check();
                    assertThat(t.inOrder()).containsExactlyElementsOf(model.values());
                }
            }
            t.check();
            assertThat(t.inOrder()).containsExactlyElementsOf(model.values());
        }
    }

    @Test
    void growsForABurstAndGivesTheMemoryBack() {
        PositionTable<E> t = new PositionTable<>();
        List<E> all = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            E e = new E(i * 65536L);
            t.add(e);
            all.add(e);
        }
        assertThat(t.capacity()).isGreaterThanOrEqualTo(200_000);
        all.forEach(t::remove);
        assertThat(t.isEmpty()).isTrue();
        assertThat(t.capacity()).as("not rebuilt while the markers go").isGreaterThanOrEqualTo(200_000);
        t.trim();
        assertThat(t.capacity()).isEqualTo(16);
        assertThat(t.oldest()).isNull();
        t.check();
    }

    @Test
    void anEntryIsInOneTableAtATime() {
        PositionTable<E> a = new PositionTable<>();
        PositionTable<E> b = new PositionTable<>();
        E e = new E(5);
        a.add(e);
        assertThatThrownBy(() -> b.add(e)).isInstanceOf(IllegalStateException.class);
        a.remove(e);
        b.add(e);
        assertThat(b.get(5)).isSameAs(e);
        assertThat(a.get(5)).isNull();
    }

    @Test
    void readLogAnswersLikeASortedMapAndExpiresInReadOrder() {
        SplittableRandom r = new SplittableRandom(3);
        ReadLog log = new ReadLog();
        TreeMap<Long, Long> model = new TreeMap<>();
        long now = 0;
        long pos = 1L << 32;
        long timeout = 2_000;
        for (int step = 0; step < 200_000; step++) {
            now += r.nextInt(20);
            if (r.nextInt(3) > 0) {
                pos += 64L * (1 + r.nextInt(4)); // read in order
                log.add(pos, now);
                model.put(pos, now);
            }
            long q = pos - 64L * r.nextInt(200);
            Long want = model.get(q);
            assertThat(log.readAt(q)).isEqualTo(want == null ? Long.MIN_VALUE : want);
            if (step % 100 == 0) {
                log.expire(now, timeout);
                final long n = now;
                model.values().removeIf(t -> n - t > timeout);
                assertThat(log.size()).isEqualTo(model.size());
            }
        }
        log.expire(now + 2 * timeout, timeout);
        assertThat(log.isEmpty()).isTrue();
        assertThat(log.capacity()).isEqualTo(16);
    }

    @Test
    void readLogTakesAnOutOfOrderPositionInItsPlace() {
        ReadLog log = new ReadLog();
        log.add(100, 1);
        log.add(300, 2);
        log.add(200, 3); // not seen from a real flow: kept all the same
        log.add(300, 4); // read again: the later time
        assertThat(log.readAt(100)).isEqualTo(1);
        assertThat(log.readAt(200)).isEqualTo(3);
        assertThat(log.readAt(300)).isEqualTo(4);
        assertThat(log.readAt(250)).isEqualTo(Long.MIN_VALUE);
        assertThat(log.size()).isEqualTo(3);
        assertThat(log).hasToString("ReadLog[100, 200, 300]");
    }
}
