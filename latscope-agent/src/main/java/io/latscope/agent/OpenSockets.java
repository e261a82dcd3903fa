package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.agent.layout.ls_open_sock;
import io.latscope.bpf.BpfMap;
import io.latscope.bpf.MapCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The probes' {@code open_socks} map ({@code struct ls_open_sock} keys, probes.h): the wanted
 * TCP sockets that became established since the probes attached and have not closed, put
 * there and taken out by the {@code flow_end} program on {@code inet_sock_set_state}. With
 * it, {@link EndpointSampler} looks those sockets up one by one over sock_diag instead of
 * dumping every socket of every namespace each interval.
 */
final class OpenSockets {
    /** An open socket: its namespace's inode and its flow in the direction it sends. */
    record OpenSocket(long netns, FlowKey sending) {
    }

    private static final long SADDR = ls_open_sock.saddr$offset(), DADDR = ls_open_sock.daddr$offset(),
            SPORT = ls_open_sock.sport$offset(), DPORT = ls_open_sock.dport$offset(),
            NETNS = ls_open_sock.netns$offset(), V6 = ls_open_sock.v6$offset();
    private static final int SIZE = (int) ls_open_sock.layout().byteSize();

    /** The key codec; reading only (the programs write the map). */
    static final MapCodec<OpenSocket> KEY = new MapCodec<>() {
        public int size() {
            return SIZE;
        }

        public OpenSocket read(MemorySegment s) {
            boolean v6 = s.get(ValueLayout.JAVA_BYTE, V6) != 0;
            FlowKey f = new FlowKey(ProbeRecords.address(s, SADDR, v6),
                    Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, SPORT)), ProbeRecords.address(s, DADDR, v6),
                    Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, DPORT)));
            return new OpenSocket(Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT_UNALIGNED, NETNS)), f);
        }

        public void write(MemorySegment s, OpenSocket v) {
            s.asSlice(0, SIZE).fill((byte) 0);
            boolean v6 = v.sending().src().getAddress().length == 16;
            MemorySegment.copy(v.sending().src().getAddress(), 0, s, ValueLayout.JAVA_BYTE, SADDR, v6 ? 16 : 4);
            MemorySegment.copy(v.sending().dst().getAddress(), 0, s, ValueLayout.JAVA_BYTE, DADDR, v6 ? 16 : 4);
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, SPORT, (short) v.sending().srcPort());
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, DPORT, (short) v.sending().dstPort());
            s.set(ValueLayout.JAVA_INT_UNALIGNED, NETNS, (int) v.netns());
            s.set(ValueLayout.JAVA_BYTE, V6, (byte) (v6 ? 1 : 0));
        }
    };

    private final BpfMap.Typed<OpenSocket, byte[]> map;
    private final int capacity;

    OpenSockets(BpfMap map) {
        this.map = map.typed(KEY, MapCodec.bytes(1));
        this.capacity = map.maxEntries();
    }

    /** The open sockets now (one system call per socket: the map is walked key by key). */
    List<OpenSocket> list() {
        return map.keys();
    }

    /** Whether {@code s} is still open as far as the programs know. */
    boolean contains(OpenSocket s) {
        return map.get(s) != null;
    }

    /** How many sockets the map holds at most; a full map no longer holds every open socket. */
    int capacity() {
        return capacity;
    }
}
