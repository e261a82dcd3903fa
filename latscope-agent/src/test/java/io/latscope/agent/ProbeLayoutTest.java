package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.agent.layout.ProbesH;
import io.latscope.agent.layout.ls_event;
import io.latscope.agent.layout.ls_flow_end;
import io.latscope.agent.layout.ls_open_sock;
import io.latscope.testbed.LayoutCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java side of probes.h (io.latscope.agent.layout) against the header, as probes.bpf.o is compiled. */
class ProbeLayoutTest {

    @Test
    void theGeneratedLayoutsAndConstantsAreTheHeaders() {
        LayoutCheck check = LayoutCheck.of("probes.h").struct(ls_event.layout()).struct(ls_flow_end.layout())
                .struct(ls_open_sock.layout()).constants(ProbesH.class);
        assertThat(check.size()).isGreaterThan(50);
        check.check();
    }

    @Test
    void aLayoutThatDriftedIsCaught() {
        StructLayout drifted = MemoryLayout.structLayout(ValueLayout.JAVA_BYTE.withName("point"),
                ValueLayout.JAVA_BYTE.withName("type"), MemoryLayout.paddingLayout(62)).withName("ls_event");
        assertThatThrownBy(() -> LayoutCheck.of("probes.h").struct(drifted).check())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("struct ls_event.point offset is 0 in the generated Java")
                .hasMessageContaining("struct ls_event.type offset is 1 in the generated Java")
                .hasMessageNotContaining("struct ls_event size");
    }

    @Test
    void probePointsAreInTheOrderOfEnumLsPoint() throws Exception {
        for (ProbePoint p : ProbePoint.values()) {
            assertThat(ProbesH.class.getMethod("LS_" + p.name()).invoke(null)).as(p.name()).isEqualTo(p.ordinal());
        }
        assertThat(ProbeRecords.POINTS).isEqualTo(ProbePoint.values().length);
    }

    @Test
    void everyRecordStartsWithItsType() {
        assertThat(ls_event.type$offset()).isZero();
        assertThat(ls_flow_end.head$offset()).isZero();
        assertThat(ProbeRecords.EVENT_SIZE).as("one 64-byte record per stamp").isEqualTo(64);
        assertThat(ProbeRecords.size(ProbeRecords.STAMP)).isEqualTo(ProbeRecords.EVENT_SIZE);
        assertThat(ProbeRecords.size(ProbeRecords.FLOW_END)).isEqualTo(ProbeRecords.FLOW_END_SIZE);
        assertThat(ProbeRecords.size(0)).isZero();
    }

    @Test
    void aFlowEndIsDecodedFromTheGeneratedLayout() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(ls_flow_end.layout());
            MemorySegment head = ls_flow_end.head(r);
            ls_event.type(head, (byte) ProbeRecords.FLOW_END);
            ls_event.point(head, (byte) ProbeRecords.POINTS);
            ls_event.flags(head, (byte) ProbeRecords.F_IPV6);
            ls_event.saddr(head).copyFrom(MemorySegment.ofArray(InetAddress.getByName("fd00::1").getAddress()));
            ls_event.daddr(head).copyFrom(MemorySegment.ofArray(InetAddress.getByName("fd00::2").getAddress()));
            ls_event.sport(head, (short) 40000);
            ls_event.dport(head, (short) 5001);
            ls_flow_end.bytes_acked(r, 1L << 40);
            ls_flow_end.bytes_received(r, 7);
            ls_flow_end.data_segs_out(r, -1); // __u32: 4294967295
            ls_flow_end.data_segs_in(r, 3);
            ls_flow_end.total_retrans(r, 2);
            // the socket's cookie in seq (low word) and len (high word); bit 31 set in the low
            // word catches a sign extension
            ls_event.seq(head, 0x8000_0001);
            ls_event.len(head, 0x8000_0002);

            assertThat(ProbeRecords.type(r, 0)).isEqualTo(ProbeRecords.FLOW_END);
            EndpointSampler.SocketInfo s = EndpointSampler.decodeFlowEnd(r, 0);
            assertThat(s.sending()).isEqualTo(new FlowKey(InetAddress.getByName("fd00::1"), 40000,
                    InetAddress.getByName("fd00::2"), 5001));
            assertThat(s.bytesAcked()).isEqualTo(1L << 40);
            assertThat(s.bytesReceived()).isEqualTo(7);
            assertThat(s.dataSegsOut()).isEqualTo(4294967295L);
            assertThat(s.cookie()).isEqualTo(0x8000_0002_8000_0001L);
            assertThat(s.dataSegsIn()).isEqualTo(3);
            assertThat(s.retransTotal()).isEqualTo(2);
        }
    }
}
