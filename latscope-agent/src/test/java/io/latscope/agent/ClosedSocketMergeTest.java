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
 * How a sample takes the final counters of sockets that closed ({@link EndpointSampler#mergeClosed})
 * and counts a flow ({@link EndpointSampler#sinceLast}): each connection's bytes are counted
 * once, whether or not sock_diag still listed it, and two connections between the same ends
 * (told apart by their socket cookies) each count their own.
 */
class ClosedSocketMergeTest {
    private static final FlowKey FLOW = flow(40000, 5000);
    private static final Map<Long, String> OWNER = Map.of(42L, "client");
    private static final long OLDER = 0x1_0000_0007L, NEWER = 0x1_0000_0009L;

    private static FlowKey flow(int srcPort, int dstPort) {
        return new FlowKey(InetAddress.getLoopbackAddress(), srcPort, InetAddress.getLoopbackAddress(), dstPort);
    }

    private static SocketInfo counters(long cookie, FlowKey k, long bytes, long segs, Map<Long, String> owners) {
        return new SocketInfo(k, bytes + 1, 0, segs, 0, 0, owners, bytes, cookie);
    }

    private static Map<Long, SocketInfo> sockets(SocketInfo... s) {
        Map<Long, SocketInfo> m = new LinkedHashMap<>();
        for (SocketInfo i : s) {
            m.put(i.cookie(), i);
        }
        return m;
    }

    /** The older connection's close (1500 bytes, 15 segments) merged into this sample; the connections that ended. */
    private static List<Long> olderClosedAt1500(Map<Long, SocketInfo> current, Map<Long, SocketInfo> last) {
        return EndpointSampler.mergeClosed(current, List.of(counters(OLDER, FLOW, 1500, 15, Map.of())), last, Set.of());
    }

    /** The flow's bytes in this sample. */
    private static long bytes(Map<Long, SocketInfo> current, Map<Long, SocketInfo> last) {
        return EndpointSampler.sinceLast(current, last).get(FLOW)[0];
    }

    @Test
    void aClosedSocketNoLongerListedEndsWithItsFinalCountersAndItsLastOwners() {
        Map<Long, SocketInfo> current = sockets();
        Map<Long, SocketInfo> last = sockets(counters(OLDER, FLOW, 1000, 10, OWNER));

        List<Long> ended = olderClosedAt1500(current, last);

        assertThat(ended).containsExactly(OLDER);
        assertThat(bytes(current, last)).isEqualTo(500);
        assertThat(EndpointSampler.sinceLast(current, last).get(FLOW)[1]).isEqualTo(5);
        assertThat(current.get(OLDER).owners()).isEqualTo(OWNER);
    }

    @Test
    void aSocketListedJustBeforeItClosedTakesItsFinalCountersAndEnds() {
        // sock_diag read 1200 bytes; the close, queued by the time the sample read the queue, counted 1500
        Map<Long, String> listedOwner = Map.of(43L, "client, as listed now");
        Map<Long, SocketInfo> current = sockets(counters(OLDER, FLOW, 1200, 12, listedOwner));
        Map<Long, SocketInfo> last = sockets(counters(OLDER, FLOW, 1000, 10, OWNER));

        List<Long> ended = olderClosedAt1500(current, last);

        assertThat(ended).containsExactly(OLDER);
        // the interval counts 1500 - 1000 bytes: none after the listing is lost
        assertThat(bytes(current, last)).isEqualTo(500);
        assertThat(current.get(OLDER).owners()).isEqualTo(listedOwner);
    }

    @Test
    void aNewerConnectionListedBesideTheClosedOneCountsItsOwnBytesNow() {
        // the closed connection had 1000 bytes at the last sample and 1500 at its close; a newer
        // one between the same ends already moved 9000 and is listed now
        Map<Long, SocketInfo> current = sockets(counters(NEWER, FLOW, 9000, 90, OWNER));
        Map<Long, SocketInfo> last = sockets(counters(OLDER, FLOW, 1000, 10, OWNER));

        List<Long> ended = olderClosedAt1500(current, last);

        assertThat(ended).containsExactly(OLDER);
        assertThat(bytes(current, last)).isEqualTo(500 + 9000);
    }

    @Test
    void aCloseThatComesAfterANewerConnectionWasSampledCountsOnlyWhatTheClosedOneSentSince() {
        // the last sample held both: the older one (1000 bytes, closing) and the newer one (9000)
        Map<Long, SocketInfo> current = sockets(counters(NEWER, FLOW, 9500, 95, OWNER));
        Map<Long, SocketInfo> last = sockets(counters(OLDER, FLOW, 1000, 10, OWNER), counters(NEWER, FLOW, 9000, 90, OWNER));

        List<Long> ended = olderClosedAt1500(current, last);

        assertThat(ended).containsExactly(OLDER);
        // before cookies, a newer connection sampled with no more bytes than the closed one's
        // final count was counted again here, and one with more left the closed one's out
        assertThat(bytes(current, last)).isEqualTo(500 + 500);
    }

    @Test
    void twoConnectionsThatOpenedAndClosedBetweenSamplesCountEverythingEachSent() {
        Map<Long, SocketInfo> current = sockets();

        List<Long> ended = EndpointSampler.mergeClosed(current,
                List.of(counters(OLDER, FLOW, 700, 7, Map.of()), counters(NEWER, FLOW, 300, 3, Map.of())), Map.of(), Set.of());

        assertThat(ended).containsExactly(OLDER, NEWER);
        assertThat(bytes(current, Map.of())).isEqualTo(1000);
    }

    @Test
    void aClosedSocketOnNoneOfTheSessionsPortsIsLeftOut() {
        Map<Long, SocketInfo> current = sockets();
        FlowKey other = flow(40001, 6000);

        List<Long> ended = EndpointSampler.mergeClosed(current,
                List.of(counters(NEWER, other, 10, 1, Map.of()), counters(OLDER, FLOW, 20, 2, Map.of())), Map.of(),
                Set.of(5000));

        assertThat(ended).containsExactly(OLDER);
        assertThat(current).containsOnlyKeys(OLDER);
    }
}
