package io.latscope.transport;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.agent.ProbePoint;
import io.latscope.error.LatScopeException;
import io.latscope.testbed.TestRedis;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Agent → controller over a real Redis of the test's own, including a Redis crash mid-run. */
class TransportTest {
    static final int PORT = 16379 + (int) (ProcessHandle.current().pid() % 1000);

    record Got(String host, long seq, AgentRecord record) {
    }

    @Test
    void everyRecordArrivesOnceAndInOrderAcrossARedisRestart() throws Exception {
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT, "s3cret")) {
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), "s3cret");
            List<Got> got = Collections.synchronizedList(new ArrayList<>());
            String session = "t" + System.nanoTime();
            try (ControllerReader reader = new ControllerReader(ep, session, List.of("h1", "h2"),
                    (h, seq, r) -> got.add(new Got(h, seq, r)));
                 AgentPublisher a1 = new AgentPublisher(ep, session, "h1", 1_000_000);
                 AgentPublisher a2 = new AgentPublisher(ep, session, "h2", 1_000_000)) {
                int n = 3000;
                for (int i = 1; i <= n; i++) {
                    a1.publish(new AgentRecord.Markers(List.of(part(i))));
                    a2.publish(new AgentRecord.Markers(List.of(part(i))));
                    if (i == n / 2) {
                        redis.restart(); // a crash: every key and stream gone
                    }
                    if (i % 100 == 0) {
                        Thread.sleep(5);
                    }
                }
                assertThat(a1.flush(Duration.ofSeconds(30))).isTrue();
                assertThat(a2.flush(Duration.ofSeconds(30))).isTrue();
                for (String h : List.of("h1", "h2")) {
                    List<Long> seqs = got.stream().filter(g -> g.host().equals(h)).map(Got::seq).toList();
                    // every record once, in order; after the outage the agent may add a note of it
                    assertThat(seqs).hasSizeBetween(n, n + 1);
                    for (int i = 0; i < seqs.size(); i++) {
                        assertThat(seqs.get(i)).isEqualTo(i + 1L);
                    }
                    List<Long> markerSeqs = got.stream().filter(g -> g.host().equals(h) && g.record() instanceof AgentRecord.Markers)
                            .map(g -> ((AgentRecord.Markers) g.record()).parts().getFirst().sequence()).toList();
                    assertThat(markerSeqs).hasSize(n);
                    for (int i = 0; i < n; i++) {
                        assertThat(markerSeqs.get(i)).isEqualTo(i + 1L);
                    }
                    assertThat(got.stream().filter(g -> g.host().equals(h)).map(Got::record))
                            .allMatch(r -> r instanceof AgentRecord.Markers || r instanceof AgentRecord.Outage);
                }
                assertThat(reader.stats().missing()).isZero();
                assertThat(a1.lost() + a2.lost()).isZero();
                assertThat(a1.reconnects() + a2.reconnects()).isPositive();
            }
        }
    }

    @Test
    void reportsAndHelloAndByeSurviveTheTrip() throws Exception {
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT + 1, null)) {
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), null);
            List<Got> got = Collections.synchronizedList(new ArrayList<>());
            Histogram h = LatencyReport.newHistogram();
            for (int i = 1; i <= 1000; i++) {
                h.recordValue(i * 100L);
            }
            FlowKey f = new FlowKey(InetAddress.getByName("fd00::1"), 1234, InetAddress.getByName("fd00::2"), 5001);
            LatencyReport r = LatencyReport.builder("s").period(Instant.ofEpochMilli(1000), Instant.ofEpochMilli(2000))
                    .interval(true).hop(Hop.TX_TCP.in("h1"), h).flowHop(f, Hop.TX_TCP.in("h1"), h)
                    .unavailable(Hop.RX_SOCKET, "no sk_data_ready").build();
            try (ControllerReader reader = new ControllerReader(ep, "s2", List.of("h1"), (x, seq, rec) -> got.add(new Got(x, seq, rec)));
                 AgentPublisher a = new AgentPublisher(ep, "s2", "h1", 100)) {
                a.publish(new AgentRecord.Hello("h1", 42, "6.18", java.util.Map.of("rx.SOCKET", "why"), java.util.Map.of(), 123_456L));
                a.publish(new AgentRecord.Interval(r));
                a.publish(new AgentRecord.Bye("done"));
                assertThat(a.flush(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(got).extracting(Got::record).hasSize(3);
            assertThat(got.get(0).record()).isEqualTo(new AgentRecord.Hello("h1", 42, "6.18", java.util.Map.of("rx.SOCKET", "why"), java.util.Map.of(), 123_456L));
            assertThat(((AgentRecord.Interval) got.get(1).record()).report()).isEqualTo(r);
            assertThat(got.get(2).record()).isEqualTo(new AgentRecord.Bye("done"));
        }
    }

    @Test
    void redisAwayOrWrongPasswordIsAClearErrorAtStart() {
        RedisEndpoint nobody = RedisEndpoint.parse("redis://127.0.0.1:" + (PORT + 2) + "/0", null);
        assertThatThrownBy(() -> new ControllerReader(nobody, "s", List.of("h"), (h, s, r) -> { }))
                .isInstanceOf(LatScopeException.class).hasMessageContaining("127.0.0.1:" + (PORT + 2))
                .hasMessageContaining("unreachable");
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT + 3, "right")) {
            assertThatThrownBy(() -> new AgentPublisher(RedisEndpoint.parse(redis.url(), "wrong"), "s", "h", 10))
                    .isInstanceOf(LatScopeException.class).hasMessageContaining("refused the credentials")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong"));
            assertThatThrownBy(() -> new AgentPublisher(RedisEndpoint.parse(redis.url(), null), "s", "h", 10))
                    .isInstanceOf(LatScopeException.class).hasMessageContaining(RedisEndpoint.PASSWORD_ENV);
        }
        assertThatThrownBy(() -> RedisEndpoint.parse("redis://:pw@host:1/0", null)).hasMessageContaining("not in the URL");
    }

    @Test
    void aFullBufferRefusesAndCountsInsteadOfGrowing() throws Exception {
        try (TestRedis redis = TestRedis.start("127.0.0.1", PORT + 4, null)) {
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), null);
            try (AgentPublisher a = new AgentPublisher(ep, "s3", "h1", 10)) {
                redis.stop(); // nothing can leave, nothing is acknowledged
                int accepted = 0;
                for (int i = 0; i < 50; i++) {
                    accepted += a.publish(new AgentRecord.Markers(List.of(part(i)))) ? 1 : 0;
                }
                assertThat(accepted).isEqualTo(10);
                assertThat(a.lost()).isEqualTo(40);
            }
        }
    }

    static MarkerPart part(long seq) throws Exception {
        FlowKey f = new FlowKey(InetAddress.getByName("10.0.0.1"), 40000, InetAddress.getByName("10.0.0.2"), 5001);
        return new MarkerPart(f, seq, false, List.of(ProbePoint.TX_SOCK, ProbePoint.TX_XMIT), new long[] {1000 + seq, 2000 + seq});
    }
}
