package io.latscope.transport;

import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.testbed.TestRedis;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis goes away under a publisher (killed, as a crash would) and comes back: within the
 * outage budget everything is kept — past the memory bound in a spill file — and arrives
 * once and in order; beyond it, what the agent made is counted per kind and reported.
 * Every key the session makes carries a time to live.
 */
class OutageTest {
    static final int PORT = 17379 + (int) (ProcessHandle.current().pid() % 1000);

    record Got(String host, long seq, AgentRecord record) {
    }

    @TempDir
    Path spillDir;

    @Test
    void anOutageWithinTheBudgetSpillsToDiskAndReplaysEverythingInOrder() throws Exception {
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT, null)) {
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), null);
            List<Got> got = Collections.synchronizedList(new ArrayList<>());
            String session = "o" + System.nanoTime();
            // 64 KiB of memory: a few hundred records, so the outage spills
            AgentPublisher.Limits limits = new AgentPublisher.Limits(1_000_000, 64 << 10, spillDir, 64 << 20,
                    Duration.ofSeconds(30));
            AgentPublisher.Status during;
            List<Path> spillFiles;
            String mode;
            int n = 0;
            try (ControllerReader reader = new ControllerReader(ep, session, List.of("h1"), (h, q, r) -> got.add(new Got(h, q, r)));
                 AgentPublisher a = new AgentPublisher(ep, session, "h1", limits)) {
                for (; n < 200; n++) {
                    a.publish(markers(n));
                }
                redis.stop();
                long end = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < end) {
                    a.publish(markers(n++));
                    Thread.sleep(1);
                }
                during = a.status();
                spillFiles = spillFiles();
                mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(spillFiles.getFirst()));
                redis.restart(); // empty: the stream, the group and every acknowledgment are gone
                for (int i = 0; i < 200; i++) {
                    a.publish(markers(n++));
                }
                assertThat(a.flush(Duration.ofSeconds(30))).as("everything acknowledged").isTrue();
                assertThat(a.lost()).isZero();
                assertThat(reader.stats().missing()).isZero();
            }
            assertThat(during.connected()).isFalse();
            assertThat(during.outage()).isGreaterThan(Duration.ofSeconds(2));
            assertThat(during.spilledBytes()).as("spilled during the outage").isGreaterThan(64 << 10);
            assertThat(spillFiles).hasSize(1);
            assertThat(mode).isEqualTo("rw-------");
            assertThat(spillFiles()).as("spill file removed").isEmpty();
            List<Long> parts = got.stream().filter(g -> g.record() instanceof AgentRecord.Markers)
                    .map(g -> ((AgentRecord.Markers) g.record()).parts().getFirst().sequence()).toList();
            assertThat(parts).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(parts.get(i)).isEqualTo(i);
            }
            List<AgentRecord.Outage> notes = got.stream().map(Got::record).filter(r -> r instanceof AgentRecord.Outage)
                    .map(r -> (AgentRecord.Outage) r).toList();
            assertThat(notes).hasSize(1);
            assertThat(notes.getFirst().endMillis() - notes.getFirst().startMillis()).isGreaterThan(2500);
            assertThat(notes.getFirst().spilled()).isPositive();
            assertThat(got.stream().map(Got::record)).noneMatch(r -> r instanceof AgentRecord.Lost);
            System.out.printf("outage within budget: %d records, %d kept during %d ms, %d spilled (%d KiB in the file)%n", n,
                    notes.getFirst().kept(), notes.getFirst().endMillis() - notes.getFirst().startMillis(),
                    notes.getFirst().spilled(), during.spilledBytes() / 1024);
        }
    }

    @Test
    void beyondTheBudgetWhatTheAgentMakesIsCountedByKindAndReported() throws Exception {
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT + 1, null)) {
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), null);
            List<Got> got = Collections.synchronizedList(new ArrayList<>());
            String session = "b" + System.nanoTime();
            AgentPublisher.Limits limits = new AgentPublisher.Limits(1_000_000, 1 << 20, spillDir, 1 << 20,
                    Duration.ofSeconds(1));
            int intervals = 0;
            int batches = 0;
            long kept;
            try (ControllerReader reader = new ControllerReader(ep, session, List.of("h1"), (h, q, r) -> got.add(new Got(h, q, r)));
                 AgentPublisher a = new AgentPublisher(ep, session, "h1", limits)) {
                redis.stop();
                Thread.sleep(300); // the publisher notices
                long end = System.nanoTime() + 2_500_000_000L;
                while (System.nanoTime() < end) {
                    a.publish(new AgentRecord.Interval(interval()));
                    a.publish(markers(batches));
                    intervals++;
                    batches++;
                    Thread.sleep(50);
                }
                kept = a.buffered();
                redis.restart();
                assertThat(a.flush(Duration.ofSeconds(30))).isTrue();
                assertThat(a.lost()).isPositive().isEqualTo(2L * intervals - kept);
            }
            List<AgentRecord.Lost> lost = got.stream().map(Got::record).filter(r -> r instanceof AgentRecord.Lost)
                    .map(r -> (AgentRecord.Lost) r).toList();
            assertThat(lost).hasSize(1);
            AgentRecord.Lost l = lost.getFirst();
            long delivered = got.stream().filter(g -> g.record() instanceof AgentRecord.Interval).count();
            assertThat(l.records()).isEqualTo(2L * intervals - kept);
            assertThat(l.intervals()).isEqualTo(intervals - delivered);
            assertThat(l.markerParts()).isEqualTo(l.records() - l.intervals()); // one part per batch here
            assertThat(l.reason()).contains("1 s outage budget").contains("Redis unreachable");
            // the note of the outage comes first, then what was lost; both after the records kept
            List<AgentRecord> tail = got.stream().map(Got::record).toList();
            assertThat(tail.get(tail.size() - 2)).isInstanceOf(AgentRecord.Outage.class);
            assertThat(tail.getLast()).isInstanceOf(AgentRecord.Lost.class);
            System.out.printf("outage beyond a 1 s budget: %d intervals and %d batches made, %d kept, lost %s%n",
                    intervals, batches, kept, l);
        }
    }

    @Test
    void everyKeyOfASessionHasATimeToLiveAndTheAgentCreatesNone() throws Exception {
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT + 2, null)) {
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), null);
            String session = "k" + System.nanoTime();
            try (AgentPublisher a = new AgentPublisher(ep, session, "h1", 100);
                 Jedis j = ep.connect(Duration.ofSeconds(2))) {
                try (ControllerReader reader = new ControllerReader(ep, session, List.of("h1", "h2"), (h, q, r) -> { })) {
                    a.publish(markers(1));
                    assertThat(a.flush(Duration.ofSeconds(10))).isTrue();
                    Thread.sleep(1200); // a refresh
                    List<String> keys = new ArrayList<>(j.keys("latscope:" + session + ":*"));
                    assertThat(keys).hasSize(4); // records, alive, ack:h1, ack:h2
                    for (String k : keys) {
                        long ttl = j.pttl(k);
                        assertThat(ttl).as(k).isPositive().isLessThanOrEqualTo(ControllerReader.KEY_TTL_MS);
                    }
                }
                // the controller is gone with its keys: an agent's record creates none
                a.publish(markers(2));
                Thread.sleep(500);
                assertThat(j.keys("latscope:" + session + ":*")).isEmpty();
                assertThat(a.status().leasePresent()).isFalse();
            }
        }
    }

    private List<Path> spillFiles() throws Exception {
        try (Stream<Path> s = Files.list(spillDir)) {
            return s.filter(p -> p.toString().endsWith(".spill")).toList();
        }
    }

    private static AgentRecord.Markers markers(long i) throws Exception {
        return new AgentRecord.Markers(List.of(TransportTest.part(i)));
    }

    private static LatencyReport interval() {
        Histogram h = LatencyReport.newHistogram();
        h.recordValue(1000);
        return LatencyReport.builder("s").period(Instant.ofEpochMilli(0), Instant.ofEpochMilli(1000)).interval(true)
                .hop(Hop.TX_TCP, h).build();
    }
}
