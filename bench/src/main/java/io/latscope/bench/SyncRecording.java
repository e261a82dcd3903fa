package io.latscope.bench;

import io.latscope.sync.ProbeRound;
import io.latscope.sync.ProbeSample;
import io.latscope.sync.SessionKey;
import io.latscope.sync.Sync;
import io.latscope.sync.SyncHost;
import io.latscope.sync.SyncInitiator;
import io.latscope.sync.SyncResponder;
import io.latscope.sync.SyncStrategy;
import io.latscope.testbed.TestNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Raw probe rounds of the XDP two-step method between two namespaces of one machine (true
 * offset 0), recorded once so that estimator variants can be replayed over identical probes.
 * Segments interleave conditions (quiet, a saturating iperf3 flow a→b, b→a, and each flow with
 * two-step stamps made late on purpose) and schedules (a
 * round as one burst, or spread over the interval in bursts), each schedule timed as
 * {@code ClockSync} times it: the first round one burst of every probe, then a round per
 * interval. Saved as CSV (one probe a line), so a recording can be replayed again.
 */
final class SyncRecording {
    private static final String A = "10.92.0.1", B = "10.92.0.2";
    static final List<String> CONDITIONS = List.of("quiet", "flow a->b", "flow b->a", "flow a->b + late stamps",
            "flow b->a + late stamps");

    /** One stretch of rounds under one condition and schedule. */
    record Segment(int id, String condition, String schedule, List<List<ProbeSample>> rounds) {
    }

    /** How a round's probes are sent: {@code bursts} bursts spread evenly over the interval. */
    record Schedule(String name, int bursts) {
        static Schedule of(int bursts) {
            return new Schedule(bursts == 1 ? "burst" : "spread " + bursts, bursts);
        }
    }

    private SyncRecording() {
    }

    /** {@code reps} × every condition × every schedule, {@code seconds} each, schedules' order alternating. */
    static List<Segment> record(int reps, int seconds, List<Schedule> schedules) {
        List<Segment> out = new ArrayList<>();
        // BBR flows, as docs/sync.md's figures were taken with and SyncUnderLoadTest's targets are held
        try (TestNetwork net = TestNetwork.create().congestionControl("bbr")) {
            SyncPair pair = SyncPair.of(net, "10.92.0");
            for (int rep = 0; rep < reps; rep++) {
                for (String cond : CONDITIONS) {
                    List<Schedule> order = new ArrayList<>(schedules);
                    if (rep % 2 == 1) {
                        order = order.reversed();
                    }
                    stallStamps(cond.endsWith("late stamps"));
                    try (Endpoints e = Endpoints.start(pair)) {
                        for (Schedule s : order) {
                            List<List<ProbeSample>> rounds;
                            try (Iperf flow = startFlow(net, cond, seconds + 1)) {
                                rounds = rounds(e.initiator(), pair.b(), Sync.xdp(), s, seconds);
                            }
                            out.add(new Segment(out.size(), cond, s.name(), rounds));
                            System.err.printf("recorded %s, %s: %d rounds%n", cond, s.name(), rounds.size());
                        }
                    } finally {
                        stallStamps(false);
                    }
                }
            }
        }
        return out;
    }

    /** Responder on b, initiator on a, first contact made. */
    private record Endpoints(SyncResponder responder, SyncInitiator initiator) implements AutoCloseable {
        static Endpoints start(SyncPair p) {
            SyncStrategy xdp = Sync.xdp();
            SessionKey key = SessionKey.random();
            SyncResponder r = SyncResponder.start(xdp, p.b(), key, List.of(p.a(), p.b()));
            try {
                SyncInitiator i = SyncInitiator.start(xdp, p.a(), key, List.of(p.a(), p.b()));
                i.probe(p.b(), xdp.probes()); // first contact, JIT
                return new Endpoints(r, i);
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                initiator.close();
            } finally {
                responder.close();
            }
        }
    }

    /**
     * The failure on demand, as {@code SyncUnderLoadTest} makes it: after 1 in 8 hand-offs
     * the two-step stamp waits 50 µs, as when the stamping CPU is interrupted while the peer already
     * took the frame. The knob is latscope-sync's test-only {@code XdpEndpoint.stampStallForTests}
     * (0 outside tests, so the verifier removes the code), reached by reflection: a benchmark may, a
     * library may not.
     */
    private static void stallStamps(boolean on) {
        try {
            Class<?> ep = Class.forName("io.latscope.sync.XdpEndpoint");
            Class<?> stall = Class.forName("io.latscope.sync.XdpEndpoint$StampStall");
            Constructor<?> c = stall.getDeclaredConstructor(long.class, int.class);
            c.setAccessible(true);
            Field f = ep.getDeclaredField("stampStallForTests");
            f.setAccessible(true);
            f.set(null, on ? c.newInstance(50_000L, 8) : null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("latscope-sync's test knob for late stamps is gone: " + e, e);
        }
    }

    /** Rounds as ClockSync sends them for {@code seconds}: one burst first, then a round per interval. */
    static List<List<ProbeSample>> rounds(SyncInitiator i, SyncHost target, SyncStrategy st, Schedule s, int seconds) {
        List<List<ProbeSample>> rounds = new ArrayList<>();
        long start = System.nanoTime(), end = start + seconds * 1_000_000_000L;
        rounds.add(i.probe(target, st.probes()).samples());
        long tick = st.interval().toNanos() / s.bursts();
        long next = System.nanoTime() + tick;
        List<ProbeSample> round = new ArrayList<>();
        int burst = 0;
        while (next < end) {
            sleepUntil(next);
            ProbeRound pr = i.probe(target, Math.max(1, st.probes() / s.bursts()));
            round.addAll(pr.samples());
            if (++burst == s.bursts()) {
                rounds.add(List.copyOf(round));
                round.clear();
                burst = 0;
            }
            // a burst schedule waits a whole interval after its round (fixed delay); a spread one ticks
            next = s.bursts() == 1 ? System.nanoTime() + tick : next + tick;
        }
        return rounds;
    }

    private static void sleepUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    /** iperf3 for the flow conditions (as SyncUnderLoadTest's BBR case runs it), nothing for quiet. */
    private static Iperf startFlow(TestNetwork net, String cond, int seconds) {
        if (cond.equals("quiet")) {
            return null;
        }
        boolean ab = cond.contains("a->b");
        return ab ? Iperf.start(net, "a", A, "b", B, seconds) : Iperf.start(net, "b", B, "a", A, seconds);
    }

    static void save(Path file, List<Segment> segments) {
        List<String> lines = new ArrayList<>();
        lines.add("segment,condition,schedule,round,seq,t1,t2,t3,t4,t1floor,t3floor");
        for (Segment s : segments) {
            for (int r = 0; r < s.rounds().size(); r++) {
                for (ProbeSample p : s.rounds().get(r)) {
                    lines.add(String.join(",", String.valueOf(s.id()), s.condition(), s.schedule(), String.valueOf(r),
                            String.valueOf(p.seq()), String.valueOf(p.t1()), String.valueOf(p.t2()), String.valueOf(p.t3()),
                            String.valueOf(p.t4()), String.valueOf(p.t1Floor()), String.valueOf(p.t3Floor())));
                }
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Segment> load(Path file) {
        Map<Integer, Segment> byId = new LinkedHashMap<>();
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                int id = Integer.parseInt(f[0]);
                int round = Integer.parseInt(f[3]);
                Segment s = byId.computeIfAbsent(id, k -> new Segment(k, f[1], f[2], new ArrayList<>()));
                while (s.rounds().size() <= round) {
                    s.rounds().add(new ArrayList<>());
                }
                long[] v = new long[7];
                for (int k = 0; k < 7; k++) {
                    v[k] = Long.parseLong(f[4 + k]);
                }
                s.rounds().get(round).add(new ProbeSample(v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(byId.values());
    }
}
