package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.agent.layout.ProbesH;
import io.latscope.agent.layout.ls_event;
import io.latscope.agent.layout.ls_flow_end;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The records of the probes' ring buffer ({@code src-bpf/include/probes.h}), read through
 * what jextract generated from that header ({@code io.latscope.agent.layout}). Every offset
 * and field layout is a static final taken once from the generated classes, so the JIT
 * folds each read into a load at a constant offset, as a literal would; a field whose
 * width changes in the header no longer compiles here. Fields are read unaligned: ring
 * records are 8-byte aligned, but tests and slices need not be.
 * Every record starts with an {@code ls_event}, whose first byte says what it is.
 */
final class ProbeRecords {
    /** {@code enum ls_record_type}. */
    static final int STAMP = ProbesH.LS_REC_STAMP(), FLOW_END = ProbesH.LS_REC_FLOW_END();
    /** Probe points ({@code enum ls_point}, {@link ProbePoint} in the same order); the point of a flow end. */
    static final int POINTS = ProbesH.LS_POINTS();
    static final int F_IPV6 = ProbesH.LS_F_IPV6(), F_RETRANS = ProbesH.LS_F_RETRANS();

    static final long EVENT_SIZE = ls_event.layout().byteSize();
    static final long FLOW_END_SIZE = ls_flow_end.layout().byteSize();

    private static final long TYPE = ls_event.type$offset(), POINT = ls_event.point$offset(),
            FLAGS = ls_event.flags$offset(), NETNS = ls_event.netns$offset(), TS = ls_event.ts_ns$offset(),
            SADDR = ls_event.saddr$offset(), DADDR = ls_event.daddr$offset(), SPORT = ls_event.sport$offset(),
            DPORT = ls_event.dport$offset(), SEQ = ls_event.seq$offset(), LEN = ls_event.len$offset(),
            IFINDEX = ls_event.ifindex$offset();
    private static final ValueLayout.OfByte TYPE_L = ls_event.type$layout().withByteAlignment(1),
            POINT_L = ls_event.point$layout().withByteAlignment(1), FLAGS_L = ls_event.flags$layout().withByteAlignment(1);
    private static final ValueLayout.OfInt NETNS_L = ls_event.netns$layout().withByteAlignment(1),
            SEQ_L = ls_event.seq$layout().withByteAlignment(1), LEN_L = ls_event.len$layout().withByteAlignment(1),
            IFINDEX_L = ls_event.ifindex$layout().withByteAlignment(1);
    private static final ValueLayout.OfLong TS_L = ls_event.ts_ns$layout().withByteAlignment(1);
    private static final ValueLayout.OfShort SPORT_L = ls_event.sport$layout().withByteAlignment(1),
            DPORT_L = ls_event.dport$layout().withByteAlignment(1);
    /** Address arrays are compared as two longs each (16 bytes, IPv4 in the first 4). */
    private static final long ADDR_BYTES = ls_event.saddr$layout().byteSize();
    private static final ValueLayout.OfLong ADDR_HALF = ValueLayout.JAVA_LONG_UNALIGNED;

    private static final long HEAD = ls_flow_end.head$offset(), BYTES_ACKED = ls_flow_end.bytes_acked$offset(),
            BYTES_RECEIVED = ls_flow_end.bytes_received$offset(), SEGS_OUT = ls_flow_end.data_segs_out$offset(),
            SEGS_IN = ls_flow_end.data_segs_in$offset(), RETRANS = ls_flow_end.total_retrans$offset(),
            DATA_BYTES_SENT = ls_flow_end.data_bytes_sent$offset();
    private static final ValueLayout.OfLong BYTES_ACKED_L = ls_flow_end.bytes_acked$layout().withByteAlignment(1),
            BYTES_RECEIVED_L = ls_flow_end.bytes_received$layout().withByteAlignment(1),
            DATA_BYTES_SENT_L = ls_flow_end.data_bytes_sent$layout().withByteAlignment(1);
    private static final ValueLayout.OfInt SEGS_OUT_L = ls_flow_end.data_segs_out$layout().withByteAlignment(1),
            SEGS_IN_L = ls_flow_end.data_segs_in$layout().withByteAlignment(1),
            RETRANS_L = ls_flow_end.total_retrans$layout().withByteAlignment(1);

    private ProbeRecords() {
    }

    /** {@code enum ls_record_type} of the record at {@code off}. */
    static int type(MemorySegment s, long off) {
        return s.get(TYPE_L, off + TYPE);
    }

    /** Size of a record of {@code type}, or 0 for a type this agent does not know. */
    static long size(int type) {
        return type == STAMP ? EVENT_SIZE : type == FLOW_END ? FLOW_END_SIZE : 0;
    }

    // ---- struct ls_event (also the head of every other record) ------------------------

    static int point(MemorySegment s, long off) {
        return s.get(POINT_L, off + POINT);
    }

    static int flags(MemorySegment s, long off) {
        return s.get(FLAGS_L, off + FLAGS);
    }

    static int netns(MemorySegment s, long off) {
        return s.get(NETNS_L, off + NETNS);
    }

    static long tsNanos(MemorySegment s, long off) {
        return s.get(TS_L, off + TS);
    }

    static int sport(MemorySegment s, long off) {
        return Short.toUnsignedInt(s.get(SPORT_L, off + SPORT));
    }

    static int dport(MemorySegment s, long off) {
        return Short.toUnsignedInt(s.get(DPORT_L, off + DPORT));
    }

    static int seq(MemorySegment s, long off) {
        return s.get(SEQ_L, off + SEQ);
    }

    static int len(MemorySegment s, long off) {
        return s.get(LEN_L, off + LEN);
    }

    static int ifindex(MemorySegment s, long off) {
        return s.get(IFINDEX_L, off + IFINDEX);
    }

    /** Half {@code i} (0 or 1) of the source address array, as a long: a flow's identity, not an address. */
    static long saddrHalf(MemorySegment s, long off, int i) {
        return s.get(ADDR_HALF, off + SADDR + i * (ADDR_BYTES / 2));
    }

    /** {@link #saddrHalf} of the destination. */
    static long daddrHalf(MemorySegment s, long off, int i) {
        return s.get(ADDR_HALF, off + DADDR + i * (ADDR_BYTES / 2));
    }

    /** The flow of any record: addresses, ports (data direction). */
    static FlowKey flow(MemorySegment s, long off) {
        boolean v6 = (flags(s, off) & F_IPV6) != 0;
        return new FlowKey(address(s, off + SADDR, v6), sport(s, off), address(s, off + DADDR, v6), dport(s, off));
    }

    /** An address array (16 bytes; IPv4 in the first 4) at {@code at}, as the records and map keys hold it. */
    static InetAddress address(MemorySegment s, long at, boolean v6) {
        try {
            return InetAddress.getByAddress(s.asSlice(at, v6 ? 16 : 4).toArray(ValueLayout.JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // length is 4 or 16
        }
    }

    // ---- struct ls_flow_end ------------------------------------------------------------

    /** The flow of a flow end. */
    static FlowKey flowEndFlow(MemorySegment s, long off) {
        return flow(s, off + HEAD);
    }

    /** The closed socket's cookie (sock_diag's {@code idiag_cookie}), carried in the head's seq and len. */
    static long flowEndCookie(MemorySegment s, long off) {
        return Integer.toUnsignedLong(s.get(SEQ_L, off + HEAD + SEQ)) | (long) s.get(LEN_L, off + HEAD + LEN) << 32;
    }

    static long bytesAcked(MemorySegment s, long off) {
        return s.get(BYTES_ACKED_L, off + BYTES_ACKED);
    }

    static long dataBytesSent(MemorySegment s, long off) {
        return s.get(DATA_BYTES_SENT_L, off + DATA_BYTES_SENT);
    }

    static long bytesReceived(MemorySegment s, long off) {
        return s.get(BYTES_RECEIVED_L, off + BYTES_RECEIVED);
    }

    static long dataSegsOut(MemorySegment s, long off) {
        return Integer.toUnsignedLong(s.get(SEGS_OUT_L, off + SEGS_OUT));
    }

    static long dataSegsIn(MemorySegment s, long off) {
        return Integer.toUnsignedLong(s.get(SEGS_IN_L, off + SEGS_IN));
    }

    static long totalRetrans(MemorySegment s, long off) {
        return Integer.toUnsignedLong(s.get(RETRANS_L, off + RETRANS));
    }
}
