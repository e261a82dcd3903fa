/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Event layout shared by probes.bpf.c and io.latscope.agent.ProbeEvent (Java).
 * Keep both in sync; the Java side checks LS_EVENT_SIZE at start. */
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
	LS_POINTS = 10,
	LS_FLOW_END = 32, /* not a probe point: a TCP socket closed; record is struct ls_flow_end */
};

enum ls_flags {
	LS_F_IPV6 = 1,
	LS_F_RETRANS = 2,  /* tx: segment before snd_nxt; rx: already-received data */
};

/* 64 bytes. Addresses: IPv4 in addr[0] (network order), IPv6 all four words. */
struct ls_event {
	__u64 ts_ns;
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;     /* host order, data direction */
	__u16 dport;
	__u32 seq;       /* first byte of the range */
	__u32 len;       /* bytes in the range */
	__u32 netns;     /* inode of the network namespace */
	__u32 ifindex;   /* device, 0 where there is none */
	__u8 point;      /* enum ls_point */
	__u8 flags;      /* enum ls_flags */
	__u16 cpu;
};

#define LS_EVENT_SIZE 64

/* A socket's final TCP_INFO-style counters when it closes (96 bytes): the flow fields
 * are laid out as in ls_event, so the agent reads the flow the same way. */
struct ls_flow_end {
	struct ls_event head;    /* point = LS_FLOW_END; seq, len unused */
	__u64 bytes_acked;
	__u64 bytes_received;
	__u32 data_segs_out;
	__u32 data_segs_in;
	__u32 total_retrans;
	__u32 pad;
};

#define LS_FLOW_END_SIZE 96

#endif
