package io.latscope.bench;

import io.latscope.agent.HopRecorders;
import io.latscope.agent.MarkerJoiner;
import io.latscope.agent.ProbePoint;
import io.latscope.agent.layout.ProbesH;
import io.latscope.agent.layout.ls_event;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the draining thread spends per probe event once a record is read (issue 17): the
 * marker join and the histograms, without the kernel and without the ring. A ping-pong's
 * events are replayed from memory: two flows (a → b and the reply b → a), a marker per
 * 64-byte message, each stamped at the ten points of a session on a veth pair (tx.sock …
 * rx.app, the sender's namespace for tx points, the receiver's for rx points), in the order
 * the ring holds them. The joiner and {@link HopRecorders} are driven as {@code LocalSession}'s
 * drainer drives them: a drop check ({@code endBatch}) and an expiry pass after every 512
 * records (the drainer's batch), complete markers into the histograms, an interval closed every
 * 25 000 markers between batches. One JVM's figures depend on how its JIT compiled the loop
 * (fresh JVMs of one jar land anywhere in 67–117 ns), so each of {@code --jvms} fresh JVMs (6)
 * takes the median of {@code --rounds} rounds (15) of one million events after a warm-up, and
 * the bench reports the median over the JVMs (min–max): nanoseconds per event and per marker,
 * and bytes allocated per event. Compare two builds by running it for each, alternately.
 * This is part of what {@code ObserverCostBench} shows as the drain thread's CPU in ping-pong
 * (~25 000 markers a second there), which also reads the ring's records out of memory other
 * cores wrote.
 */
public final class JoinCostBench {
    private JoinCostBench() {
    }

    static final int NS_A = (int) 4026532001L;
    static final int NS_B = (int) 4026532002L;
    static final ProbePoint[] PATH = ProbePoint.values();
    static final int MARKERS = 100_000;
    static final int BATCH = 512;

    public static void main(String[] args) {
        int jvms = 6;
        int rounds = 15;
        boolean child = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jvms" -> jvms = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--child" -> child = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --jvms N --rounds N");
            }
        }
        if (child) {
            double[] r = measure(rounds);
            System.out.println(Bench.fmt("ns=%.3f bytes=%.3f", r[0], r[1]));
            return;
        }
        // one JVM's figure depends on how its JIT compiled the loop: the median of fresh JVMs' medians
        double[] ns = new double[jvms];
        double[] bytes = new double[jvms];
        for (int j = 0; j < jvms; j++) {
            double[] r = fork(rounds);
            ns[j] = r[0];
            bytes[j] = r[1];
        }
        Bench.header("Drainer's work per probe event: marker join and histograms (ping-pong replayed from memory)");
        System.out.println(Bench.fmt("%d fresh JVMs, each the median of %d rounds of %d events (%d markers of %d stamps);"
                + " median over the JVMs (min–max)", jvms, rounds, MARKERS * PATH.length, MARKERS, PATH.length));
        System.out.println();
        System.out.println("| ns per event | ns per marker | markers per second of one core | bytes allocated per event |");
        System.out.println("|---|---|---|---|");
        double med = Bench.median(ns);
        System.out.println(Bench.fmt("| %.1f (%.1f–%.1f) | %.0f | %.0f | %.1f |", med, Arrays.stream(ns).min().orElseThrow(),
                Arrays.stream(ns).max().orElseThrow(), med * PATH.length, 1e9 / (med * PATH.length), Bench.median(bytes)));
    }

    /** This JVM's figures: {median ns per event, median bytes allocated per event} over {@code rounds} after a warm-up. */
    static double[] measure(int rounds) {
        MemorySegment events = events(Arena.ofAuto());
        int perRound = (int) (events.byteSize() / ls_event.layout().byteSize());
        for (int w = 0; w < 5; w++) {
            round(events, perRound); // JIT warm-up
        }
        double[] ns = new double[rounds];
        double[] bytes = new double[rounds];
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < rounds; r++) {
            long a0 = threads.getCurrentThreadAllocatedBytes();
            ns[r] = round(events, perRound);
            bytes[r] = (threads.getCurrentThreadAllocatedBytes() - a0) / (double) perRound;
        }
        return new double[] {Bench.median(ns), Bench.median(bytes)};
    }

    /** {@link #measure} in a fresh JVM with this one's class path. */
    static double[] fork(int rounds) {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                JoinCostBench.class.getName(), "--child", "--rounds", String.valueOf(rounds));
        String out = io.latscope.testbed.Cmd.run(cmd); // fails with the child's stderr
        Matcher m = Pattern.compile("ns=([\\d.]+) bytes=([\\d.]+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no figures from the child JVM: " + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    /** One round: a fresh joiner and recorders take every event; returns ns per event. */
    static double round(MemorySegment events, int count) {
        HopRecorders recorders = new HopRecorders();
        long[] complete = {0};
        MarkerJoiner joiner = new MarkerJoiner(6, 1_000_000_000L, Set.copyOf(EnumSet.allOf(ProbePoint.class)),
                ns -> ns == NS_A ? "a" : "b", (flow, hops, isComplete, retrans, path) -> {
                    if (isComplete) {
                        recorders.recordMarker(flow, hops);
                        complete[0]++;
                    }
                });
        long size = ls_event.layout().byteSize();
        long t0 = System.nanoTime();
        long lastTs = 0;
        long nextInterval = 25_000;
        for (int i = 0; i < count; i++) {
            joiner.onEvent(events, i * size);
            if (i % BATCH == BATCH - 1) {
                lastTs = ls_event.ts_ns(events.asSlice(i * size, size));
                joiner.expire(lastTs);
                joiner.endBatch(0, lastTs);
                if (complete[0] >= nextInterval) { // between batches, as the drainer runs its tasks
                    recorders.closeInterval();
                    nextInterval += 25_000;
                }
            }
        }
        joiner.endBatch(0, lastTs);
        double perEvent = (System.nanoTime() - t0) / (double) count;
        if (complete[0] != MARKERS) {
            throw new AssertionError("expected " + MARKERS + " complete markers, got " + complete[0]);
        }
        return perEvent;
    }

    /** The events of {@link #MARKERS} markers, alternating direction, as struct ls_event records. */
    static MemorySegment events(Arena arena) {
        long size = ls_event.layout().byteSize();
        MemorySegment all = arena.allocate(size * MARKERS * PATH.length, 8);
        long ts = 1_000_000_000L;
        int[] seq = {1 << 20, 7 << 20}; // per direction, a multiple of the stride
        int i = 0;
        for (int m = 0; m < MARKERS; m++) {
            int dir = m & 1;
            for (ProbePoint p : PATH) {
                MemorySegment e = all.asSlice((long) i++ * size, size);
                ls_event.type(e, (byte) ProbesH.LS_REC_STAMP());
                ls_event.ts_ns(e, ts);
                byte[] a = {10, (byte) 217, 17, 1};
                byte[] b = {10, (byte) 217, 17, 2};
                ls_event.saddr(e).copyFrom(MemorySegment.ofArray(dir == 0 ? a : b));
                ls_event.daddr(e).copyFrom(MemorySegment.ofArray(dir == 0 ? b : a));
                ls_event.sport(e, (short) (dir == 0 ? 40000 : 11111));
                ls_event.dport(e, (short) (dir == 0 ? 11111 : 40000));
                ls_event.seq(e, seq[dir]);
                ls_event.len(e, 64);
                ls_event.netns(e, p.isTx() == (dir == 0) ? NS_A : NS_B);
                ls_event.ifindex(e, 0);
                ls_event.point(e, (byte) p.ordinal());
                ls_event.flags(e, (byte) 0);
                ts += 900 + (p.ordinal() * 37) % 500;
            }
            seq[dir] += 64;
            ts += 20_000;
        }
        return all;
    }
}
