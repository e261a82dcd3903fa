package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.agent.EndpointSampler.SocketInfo;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a sample takes the final counters of sockets that closed ({@link EndpointSampler#mergeClosed}):
 * a socket's last bytes are counted once, whether or not sock_diag still listed it.
 */
class ClosedSocketMergeTest {
    private static final FlowKey FLOW = flow(40000, 5000);
    private static final Map<Long, String> OWNER = Map.of(42L, "client");

    private static FlowKey flow(int srcPort, int dstPort) {
        return new FlowKey(InetAddress.getLoopbackAddress(), srcPort, InetAddress.getLoopbackAddress(), dstPort);
    }

    private static SocketInfo counters(FlowKey k, long bytes, long segs, Map<Long, String> owners) {
        return new SocketInfo(k, bytes + 1, 0, segs, 0, 0, owners, bytes);
    }

    @Test
    void aClosedSocketNoLongerListedEndsWithItsFinalCountersAndItsLastOwners() {
        Map<FlowKey, SocketInfo> current = new LinkedHashMap<>();
        Map<FlowKey, SocketInfo> last = Map.of(FLOW, counters(FLOW, 1000, 10, OWNER));

        List<FlowKey> ended = EndpointSampler.mergeClosed(current, List.of(counters(FLOW, 1500, 15, Map.of())), last, Set.of());

        assertThat(ended).containsExactly(FLOW);
        assertThat(current.get(FLOW).bytes()).isEqualTo(1500);
        assertThat(current.get(FLOW).dataSegsOut()).isEqualTo(15);
        assertThat(current.get(FLOW).owners()).isEqualTo(OWNER);
    }

    @Test
    void aSocketListedJustBeforeItClosedTakesItsFinalCountersAndEnds() {
        // sock_diag read 1200 bytes; the close, queued by the time the sample read the queue, counted 1500
        Map<Long, String> listedOwner = Map.of(43L, "client, as listed now");
        Map<FlowKey, SocketInfo> current = new LinkedHashMap<>(Map.of(FLOW, counters(FLOW, 1200, 12, listedOwner)));
        Map<FlowKey, SocketInfo> last = Map.of(FLOW, counters(FLOW, 1000, 10, OWNER));

        List<FlowKey> ended = EndpointSampler.mergeClosed(current, List.of(counters(FLOW, 1500, 15, Map.of())), last, Set.of());

        assertThat(ended).containsExactly(FLOW);
        // the interval counts 1500 - 1000 bytes: none after the listing is lost
        assertThat(current.get(FLOW).bytes() - last.get(FLOW).bytes()).isEqualTo(500);
        assertThat(current.get(FLOW).owners()).isEqualTo(listedOwner);
    }

    @Test
    void aNewerConnectionListedInPlaceOfTheClosedOneIsCountedFromTheNextSample() {
        // the closed connection had 1000 bytes at the last sample and 1500 at its close; a newer
        // one on the same four-tuple already moved 9000 and is listed now
        Map<FlowKey, SocketInfo> current = new LinkedHashMap<>(Map.of(FLOW, counters(FLOW, 9000, 90, OWNER)));
        Map<FlowKey, SocketInfo> last = Map.of(FLOW, counters(FLOW, 1000, 10, OWNER));

        List<FlowKey> ended = EndpointSampler.mergeClosed(current, List.of(counters(FLOW, 1500, 15, Map.of())), last, Set.of());

        // this interval: the closed one's last 500 bytes; the flow ends, so the next sample
        // finds the newer socket with no earlier counters and counts all its bytes
        assertThat(ended).containsExactly(FLOW);
        assertThat(current.get(FLOW).bytes() - last.get(FLOW).bytes()).isEqualTo(500);
    }

    @Test
    void aCloseThatComesAfterANewerConnectionWasSampledIsLeftOut() {
        // the last sample already held the newer connection (more bytes than the closed one ever sent)
        Map<FlowKey, SocketInfo> current = new LinkedHashMap<>(Map.of(FLOW, counters(FLOW, 9500, 95, OWNER)));
        Map<FlowKey, SocketInfo> last = Map.of(FLOW, counters(FLOW, 9000, 90, OWNER));

        List<FlowKey> ended = EndpointSampler.mergeClosed(current, List.of(counters(FLOW, 1500, 15, Map.of())), last, Set.of());

        assertThat(ended).isEmpty();
        assertThat(current.get(FLOW).bytes()).isEqualTo(9500);
    }

    @Test
    void aClosedSocketOnNoneOfTheSessionsPortsIsLeftOut() {
        Map<FlowKey, SocketInfo> current = new LinkedHashMap<>();
        FlowKey other = flow(40001, 6000);

        List<FlowKey> ended = EndpointSampler.mergeClosed(current,
                List.of(counters(other, 10, 1, Map.of()), counters(FLOW, 20, 2, Map.of())), Map.of(), Set.of(5000));

        assertThat(ended).containsExactly(FLOW);
        assertThat(current).containsOnlyKeys(FLOW);
    }
}
