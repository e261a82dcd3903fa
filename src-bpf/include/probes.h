/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Records of the "events" ring buffer, written by probes.bpf.c. The Java side is generated
 * from this file by jextract (scripts/jextract-layouts, into io.latscope.agent.layout) and
 * read through io.latscope.agent.ProbeRecords; ProbeLayoutTest checks the generated classes
 * against this header as probes.bpf.o is compiled. After a change here, run that script. */
#ifndef LATSCOPE_PROBES_H
#define LATSCOPE_PROBES_H

/* Probe points, in path order. */
enum ls_point {
	LS_TX_SOCK = 0,   /* tcp_sendmsg_locked: copy of a write into the socket */
	LS_TX_TCP = 1,    /* sockops HDR_OPT_LEN: TCP builds the segment */
	LS_TX_IP = 2,     /* netfilter LOCAL_OUT */
	LS_TX_DEV = 3,    /* net_dev_queue: enters qdisc / device queue */
	LS_TX_XMIT = 4,   /* net_dev_start_xmit: handed to the driver (veth: to its peer) */
	LS_RX_DEV = 5,    /* netif_rx / napi_gro_receive_entry / netif_receive_skb(_list)_entry */
	LS_RX_IP = 6,     /* netfilter PRE_ROUTING */
	LS_RX_TCP = 7,    /* tcp_probe: TCP receive processing */
	LS_RX_SOCK = 8,   /* sk_data_ready: queued for the reader */
	LS_RX_APP = 9,    /* sock_recv_length: copied to the application */
	LS_POINTS = 10,   /* how many; also the point (and drop counter) of records without one */
};

/* What a record of the ring is: the first byte of every record. 0 is no record. */
enum ls_record_type {
	LS_REC_STAMP = 1,    /* struct ls_event: a probe point saw a range holding a marker byte */
	LS_REC_FLOW_END = 2, /* struct ls_flow_end: a TCP socket closed */
};

enum ls_flags {
	LS_F_IPV6 = 1,
	LS_F_RETRANS = 2,  /* tx: segment before snd_nxt; rx: already-received data */
	LS_F_TRACING_SKIPPED = 4, /* a netfilter stamp taken while the kernel skips tracing programs
	                           * (some kernels do in PID 1's context): the marker's tracepoint
	                           * stamps of this packet are missing, not lost by LatScope */
};

/* 64 bytes: one per stamp, so ring throughput depends on it. Every record of the ring
 * starts with one, so its type comes first. Addresses: IPv4 in addr[0] (network order),
 * IPv6 all four words. */
struct ls_event {
	__u8 type;       /* enum ls_record_type */
	__u8 point;      /* enum ls_point */
	__u8 flags;      /* enum ls_flags */
	__u8 pad;
	__u32 netns;     /* inode of the network namespace */
	__u64 ts_ns;
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;     /* host order, data direction */
	__u16 dport;
	__u32 seq;       /* first byte of the range */
	__u32 len;       /* bytes in the range */
	__u32 ifindex;   /* device, 0 where there is none */
};

/* A socket's final TCP_INFO-style counters when it closes: the flow fields are laid out
 * as in ls_event, so the agent reads the flow the same way. */
struct ls_flow_end {
	struct ls_event head;    /* type = LS_REC_FLOW_END, point = LS_POINTS; seq, len: the socket's
	                          * cookie, low and high word (sock_diag's idiag_cookie) */
	__u64 bytes_acked;
	__u64 bytes_received;
	__u32 data_segs_out;
	__u32 data_segs_in;
	__u32 total_retrans;
	__u32 pad;
	__u64 data_bytes_sent;   /* bytes_sent - bytes_retrans: payload sent once, no SYN or FIN
	                          * (bytes_acked counts those: one more each) */
};

/* A key of the "open_socks" map: an open TCP socket of a wanted flow, by the flow as that
 * socket sends it and its namespace. The agent reads the counters of these sockets by
 * exact sock_diag lookups each interval, instead of dumping every socket of the namespace. */
struct ls_open_sock {
	__u32 saddr[4];  /* local address: IPv4 in [0], network order */
	__u32 daddr[4];  /* remote address */
	__u16 sport;     /* local port, host order */
	__u16 dport;     /* remote port */
	__u32 netns;     /* inode of the network namespace */
	__u8 v6;
	__u8 pad[3];
};

_Static_assert(sizeof(struct ls_event) == 64, "ls_event: one 64-byte record per stamp");
_Static_assert(__builtin_offsetof(struct ls_flow_end, head) == 0, "ls_flow_end: the type comes first");
_Static_assert(sizeof(struct ls_open_sock) == 44, "ls_open_sock: no padding the programs would leave unset");

#endif
