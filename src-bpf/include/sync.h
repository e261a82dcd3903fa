/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Clock-sync probe layout shared by sync.bpf.c and io.latscope.sync. The Java side is
 * generated from this file by jextract (scripts/jextract-layouts, into io.latscope.sync.layout)
 * and read by ProbeCodec; SyncLayoutTest checks the generated classes against this header as
 * the BPF objects are compiled. After a change here, run that script. */
#ifndef LATSCOPE_SYNC_H
#define LATSCOPE_SYNC_H

#define SYNC_MAGIC   0x4c53594eu /* "LSYN" */
#define SYNC_VERSION 2

enum sync_type {
	SYNC_REQUEST = 1,
	SYNC_REPLY = 2,
};

/*
 * UDP payload of a probe. Every field is big-endian on the wire. The responder writes
 * t2 (receive, at XDP entry) and t3 (just before it returns) into its reply; because
 * an XDP program cannot know when the frame really leaves, the reply also carries the
 * "follow-up" of the previous reply of the same session (PTP two-step): prev_t3 is
 * the time xdp_devmap_xmit (or xdp_bulk_tx) saw that reply handed to the driver
 * (0 = unknown), and prev_t3_floor a stamp taken before that reply was handed over (the
 * responder program's last instruction; 0 = unknown): the hand-off lies between the two,
 * so the initiator can bound the offset by causality even when the tracepoint ran late.
 * mac is SipHash-2-4 of the 72 bytes before it under the session key (0 when the
 * session is not authenticated). Naturally aligned, no padding: 80 bytes. In a frame it
 * starts at offset 42 (IPv4) or 62 (IPv6), so 8-byte fields are unaligned there; BPF
 * programs copy it to the stack (the verifier allows unaligned packet loads on x86 and
 * arm64, which have efficient unaligned access).
 */
struct sync_probe {
	__u32 magic;
	__u8 version;
	__u8 type;
	__u16 flags;
	__u64 session;
	__u64 seq;
	__u64 t1;
	__u64 t2;
	__u64 t3;
	__u64 prev_seq;
	__u64 prev_t3;
	__u64 prev_t3_floor;
	__u64 mac;
};

#define SYNC_PROBE_SIZE 80
#define SYNC_MAC_OFFSET 72

/* Flags of a sample. */
#define SYNC_SAMPLE_IPV6 1

/*
 * One answered probe, as the initiator's XDP program saw its reply (native byte order):
 * the only kind of record of the "samples" ring buffer, so it carries no type field.
 * Times are bpf_ktime_get_ns() = CLOCK_MONOTONIC of the host that took them: t1_*, t4 on
 * the initiator, t2, t3_prog, prev_t3 on the responder.
 */
struct sync_sample {
	__u64 session;
	__u64 seq;
	__u64 t1_prog;      /* injecting XDP program, before it returns XDP_TX (one-step) */
	__u64 t1_xmit;      /* xdp_devmap_xmit: frame handed to the device (two-step); 0 = missed */
	__u64 t1_floor;     /* injecting program's last instruction: before the hand-off; 0 = unknown */
	__u64 t2;
	__u64 t3_prog;
	__u64 prev_seq;
	__u64 prev_t3;
	__u64 prev_t3_floor;
	__u64 t4;           /* initiator XDP entry */
	__u8 peer_mac[6];   /* source MAC of the reply: where injected probes must go */
	__u8 own_mac[6];
	__u32 flags;
};

#define SYNC_SAMPLE_SIZE 104

/* Indexes of the per-CPU "counters" array. */
enum sync_counter {
	SYNC_C_ANSWERED,        /* requests answered (redirect or XDP_TX) */
	SYNC_C_WRONG_KEY,       /* requests whose MAC did not verify: passed on, clock untouched */
	SYNC_C_MALFORMED,       /* on the sync port, but not a probe of this version */
	SYNC_C_RECORDED,        /* replies of this session recorded */
	SYNC_C_REPLY_WRONG_KEY, /* replies whose MAC did not verify */
	SYNC_C_RING_FULL,       /* replies lost because the ring buffer was full */
	SYNC_C_T1_XMIT,         /* two-step send stamps taken on the initiator */
	SYNC_C_T3_XMIT,         /* two-step send stamps taken on the responder */
	SYNC_C_T3_AMBIGUOUS,    /* bulk flushes with more than one reply: no two-step stamp */
	SYNC_C_INJECTED,        /* probes sent by the injecting program */
	SYNC_C_OTHER_SESSION,   /* replies of another session: passed on */
	SYNC_C_NOT_MINE,        /* requests addressed to another host (routed or bridged through this one): passed on */
	SYNC_C_MAX,
};

#endif
