// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Clock synchronisation between hosts, timestamped in XDP (io.latscope.sync).
 *
 * One object per (host, interface). sync_xdp, attached to the interface, plays both
 * roles: it answers REQUESTs to the sync port (responder: t2 at entry, swap, send back
 * by bpf_redirect() to the interface itself, or XDP_TX) and records REPLYs of its own
 * session (initiator: t4 at entry, ring buffer, drop). sync_inject is never attached:
 * user space runs it with BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES; the kernel turns
 * its XDP_TX into a redirect to the same device, so a probe leaves through the same
 * devmap flush and ndo_xdp_xmit as a redirected reply.
 *
 * Where the stamps are taken sets a constant bias that no filtering removes, so the
 * two directions are stamped at mirror-image points (docs/sync.md):
 *   t1 xdp_devmap_xmit on the initiator  <->  t3 xdp_devmap_xmit on the responder
 *      (the frame has just been handed to the driver: on veth, put on the peer's ring)
 *   t2 XDP entry on the responder        <->  t4 XDP entry on the initiator
 *      (the receiver's NAPI poll reached the program)
 * t3 is known only after the reply is gone, so it travels in the next reply (PTP
 * two-step "follow-up"). A tracepoint that fires after the hand-off can fire late (an
 * interrupt, a preempted vCPU) while the peer, polling on another CPU, already took the
 * frame: so each two-step send stamp comes with a "floor" taken before the hand-off (the
 * programs' last instruction), and the initiator bounds the offset by causality from those. One-step stamps (t1, t3 inside the programs) are kept too, and
 * xdp_bulk_tx serves a responder that answers by XDP_TX, to compare.
 */
#include "common.bpf.h"
#include "sync.h"

#ifndef ETH_ALEN
#define ETH_ALEN 6
#endif
#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif

_Static_assert(sizeof(struct sync_probe) == SYNC_PROBE_SIZE, "sync_probe layout");
_Static_assert(sizeof(struct sync_sample) == SYNC_SAMPLE_SIZE, "sync_sample layout");

/* Configuration, set before load. */
const volatile __u16 sync_port = 0;          /* UDP port of requests (host order) */
const volatile __u32 expected_ifindex = 0;   /* interface this object serves */
const volatile __u32 netns_ino = 0;          /* its network namespace */
const volatile __u64 session_id = 0;         /* initiator role: replies of this session; 0 = none */
const volatile __u8 authenticate = 0;        /* require a valid MAC */
const volatile __u64 key0 = 0, key1 = 0;     /* SipHash key of the session */
const volatile __u8 reply_by_redirect = 1;   /* answer by XDP_REDIRECT to the interface itself, not XDP_TX */
/* The responder's own address, as the packet holds it (0 = answer any address): a host that
 * forwards or bridges for others (a VM's host, a container's) sees their probes too. */
const volatile __u32 own_ip4 = 0;
const volatile __u64 own_ip6_lo = 0, own_ip6_hi = 0;
/* Tests only: after 1 in test_stall_every hand-offs of this endpoint, busy-wait
 * test_stall_ns before the two-step stamp, as an interrupt or a preempted vCPU would.
 * 0 (always, outside tests): the verifier removes the code. */
const volatile __u32 test_stall_ns = 0;
const volatile __u32 test_stall_every = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNC_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Responder: the reply handed to XDP_TX in the current poll, and the last one whose
 * two-step send stamp is known. One NAPI poll of a queue runs on one CPU at a time. */
struct responder_state {
	__u64 pending_session;
	__u64 pending_seq;
	__u32 pending;
	__u32 pad;
	__u64 done_session;
	__u64 done_seq;
	__u64 done_t3;
	__u64 done_t3_floor;
	__u64 pending_floor;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct responder_state);
} responder SEC(".maps");

/* Initiator: the probe being injected, then its two-step send stamp, by seq % 64. */
#define TX_SLOTS 64
struct tx_slot {
	__u64 seq;
	__u64 t1_xmit;
	__u64 t1_floor;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TX_SLOTS);
	__type(key, __u32);
	__type(value, struct tx_slot);
} tx_stamps SEC(".maps");

struct armed {
	__u64 seq;
	__u64 armed;
	__u64 floor;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct armed);
} tx_armed SEC(".maps");

static __always_inline void count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &c);
	if (v)
		(*v)++;
}

/* ---- SipHash-2-4 of the 64 bytes before the MAC ------------------------------- */

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                        \
	do {                                                            \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                  \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                  \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* Message words are read little-endian, as SipHash defines them (BPF is bpfel here). */
static __always_inline __u64 probe_mac(const struct sync_probe *p)
{
	const __u64 *w = (const __u64 *)p;
	__u64 v0 = 0x736f6d6570736575ULL ^ key0;
	__u64 v1 = 0x646f72616e646f6dULL ^ key1;
	__u64 v2 = 0x6c7967656e657261ULL ^ key0;
	__u64 v3 = 0x7465646279746573ULL ^ key1;
	__u64 b = ((__u64)SYNC_MAC_OFFSET) << 56;

#pragma unroll
	for (int i = 0; i < SYNC_MAC_OFFSET / 8; i++) {
		__u64 m = w[i];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static __always_inline int mac_ok(const struct sync_probe *p)
{
	return !authenticate || p->mac == bpf_cpu_to_be64(probe_mac(p));
}

static __always_inline void seal(struct sync_probe *p)
{
	p->mac = authenticate ? bpf_cpu_to_be64(probe_mac(p)) : 0;
}

/* ---- parsing ---------------------------------------------------------------- */

struct frame {
	struct ethhdr *eth;
	struct iphdr *ip4;
	struct ipv6hdr *ip6;
	struct udphdr *udp;
	struct sync_probe *probe;
};

/* Finds a probe-sized UDP payload behind Ethernet + IPv4 (no options, not a fragment)
 * or IPv6 (UDP as the first next header). Every access is bounds-checked first. */
static __always_inline int parse(struct xdp_md *ctx, struct frame *f)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l4;

	if ((void *)(eth + 1) > end)
		return 0;
	f->eth = eth;
	f->ip4 = NULL;
	f->ip6 = NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return 0;
		if (ip->ihl != 5 || ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(0x3fff)))
			return 0;
		f->ip4 = ip;
		l4 = ip + 1;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return 0;
		if (ip6->nexthdr != IPPROTO_UDP)
			return 0;
		f->ip6 = ip6;
		l4 = ip6 + 1;
	} else {
		return 0;
	}
	f->udp = l4;
	if ((void *)(f->udp + 1) > end)
		return 0;
	f->probe = (void *)(f->udp + 1);
	if ((void *)(f->probe + 1) > end)
		return 0;
	return 1;
}

static __always_inline int is_probe(const struct sync_probe *p, __u8 type)
{
	return p->magic == bpf_htonl(SYNC_MAGIC) && p->version == SYNC_VERSION && p->type == type;
}

/* UDP checksum after the payload changed from *old to *new (RFC 1624). IPv4 may carry
 * no checksum (0) and keeps none. */
static __always_inline void fix_udp_csum(struct frame *f, struct sync_probe *old, struct sync_probe *new)
{
	__u16 check = f->udp->check;
	if (check == 0 && f->ip4)
		return;
	__s64 sum = bpf_csum_diff((__be32 *)old, SYNC_PROBE_SIZE, (__be32 *)new, SYNC_PROBE_SIZE,
				  (__u16)~check);
	if (sum < 0)
		return;
	__u32 s = (__u32)sum;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	check = (__u16)~s;
	f->udp->check = check ? check : 0xffff;
}

static __always_inline void swap_addresses(struct frame *f)
{
	__u8 mac[ETH_ALEN];
	__builtin_memcpy(mac, f->eth->h_source, ETH_ALEN);
	__builtin_memcpy(f->eth->h_source, f->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(f->eth->h_dest, mac, ETH_ALEN);
	if (f->ip4) {
		__be32 a = f->ip4->saddr;
		f->ip4->saddr = f->ip4->daddr;
		f->ip4->daddr = a;
	} else if (f->ip6) {
		struct in6_addr a = f->ip6->saddr;
		f->ip6->saddr = f->ip6->daddr;
		f->ip6->daddr = a;
	}
	__be16 port = f->udp->source;
	f->udp->source = f->udp->dest;
	f->udp->dest = port;
}

/* ---- responder -------------------------------------------------------------- */

static __always_inline int respond(struct xdp_md *ctx, struct frame *f, __u64 t2)
{
	struct sync_probe old, p;
	__u32 zero = 0;

	__builtin_memcpy(&old, f->probe, sizeof(old));
	if (!mac_ok(&old)) {
		count(SYNC_C_WRONG_KEY);
		return XDP_PASS;
	}
	struct responder_state *st = bpf_map_lookup_elem(&responder, &zero);
	if (!st)
		return XDP_PASS;

	p = old;
	p.type = SYNC_REPLY;
	p.t2 = bpf_cpu_to_be64(t2);
	if (st->done_session == old.session && st->done_t3) {
		p.prev_seq = bpf_cpu_to_be64(st->done_seq);
		p.prev_t3 = bpf_cpu_to_be64(st->done_t3);
		p.prev_t3_floor = bpf_cpu_to_be64(st->done_t3_floor);
	} else {
		p.prev_seq = 0;
		p.prev_t3 = 0;
		p.prev_t3_floor = 0;
	}
	st->pending_session = old.session;
	st->pending_seq = bpf_be64_to_cpu(old.seq);
	st->pending++;
	swap_addresses(f);
	count(SYNC_C_ANSWERED);
	/* one-step send stamp, then sealing: the same order as the injector's t1 */
	p.t3 = bpf_cpu_to_be64(bpf_ktime_get_ns());
	seal(&p);
	fix_udp_csum(f, &old, &p);
	__builtin_memcpy(f->probe, &p, sizeof(p));
	/* the floor: the last stamp before the hand-off (the sealing above is not in the leg) */
	st->pending_floor = bpf_ktime_get_ns();
	if (reply_by_redirect)
		return bpf_redirect(ctx->ingress_ifindex, 0);
	return XDP_TX;
}

/* ---- initiator: replies ---------------------------------------------------- */

static __always_inline int record(struct frame *f, __u64 t4)
{
	struct sync_probe p;

	__builtin_memcpy(&p, f->probe, sizeof(p));
	if (!mac_ok(&p)) {
		count(SYNC_C_REPLY_WRONG_KEY);
		return XDP_PASS;
	}
	struct sync_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		count(SYNC_C_RING_FULL);
		return XDP_DROP;
	}
	__u64 seq = bpf_be64_to_cpu(p.seq);
	__u32 slot = seq % TX_SLOTS;
	struct tx_slot *tx = bpf_map_lookup_elem(&tx_stamps, &slot);

	s->session = bpf_be64_to_cpu(p.session);
	s->seq = seq;
	s->t1_prog = bpf_be64_to_cpu(p.t1);
	s->t1_xmit = tx && tx->seq == seq ? tx->t1_xmit : 0;
	s->t1_floor = tx && tx->seq == seq ? tx->t1_floor : 0;
	s->t2 = bpf_be64_to_cpu(p.t2);
	s->t3_prog = bpf_be64_to_cpu(p.t3);
	s->prev_seq = bpf_be64_to_cpu(p.prev_seq);
	s->prev_t3 = bpf_be64_to_cpu(p.prev_t3);
	s->prev_t3_floor = bpf_be64_to_cpu(p.prev_t3_floor);
	s->t4 = t4;
	__builtin_memcpy(s->peer_mac, f->eth->h_source, ETH_ALEN);
	__builtin_memcpy(s->own_mac, f->eth->h_dest, ETH_ALEN);
	s->flags = f->ip6 ? SYNC_SAMPLE_IPV6 : 0;
	bpf_ringbuf_submit(s, BPF_RB_NO_WAKEUP);
	count(SYNC_C_RECORDED);
	return XDP_DROP;
}

/* A request for this responder: addressed to its own address, when that is set. */
static __always_inline int for_me(const struct frame *f)
{
	if (f->ip4)
		return !own_ip4 || f->ip4->daddr == own_ip4;
	if (!own_ip6_lo && !own_ip6_hi)
		return 1;
	/* the verifier does not take a packet pointer for non-null when it compares one with 0:
	 * without this test it follows the IPv4 path here, where ip6 is 0 */
	if (!f->ip6)
		return 0;
	__u64 a[2];
	__builtin_memcpy(a, &f->ip6->daddr, sizeof(a));
	return a[0] == own_ip6_lo && a[1] == own_ip6_hi;
}

SEC("xdp")
int sync_xdp(struct xdp_md *ctx)
{
	/* t2 (responder) and t4 (initiator): first thing, before any parsing */
	__u64 now = bpf_ktime_get_ns();
	struct frame f;

	if (expected_ifindex && ctx->ingress_ifindex != expected_ifindex)
		return XDP_PASS;
	if (!parse(ctx, &f))
		return XDP_PASS;
	/* probes go from port to port, replies come back from it (a first contact through
	 * the stack comes from an ephemeral port and is answered to it) */
	if (f.udp->dest == bpf_htons(sync_port) && is_probe(f.probe, SYNC_REQUEST)) {
		if (!for_me(&f)) {
			count(SYNC_C_NOT_MINE);
			return XDP_PASS;
		}
		return respond(ctx, &f, now);
	}
	if (session_id && f.udp->source == bpf_htons(sync_port) && is_probe(f.probe, SYNC_REPLY)) {
		if (f.probe->session != bpf_cpu_to_be64(session_id)) {
			count(SYNC_C_OTHER_SESSION);
			return XDP_PASS;
		}
		return record(&f, now);
	}
	if (f.udp->dest == bpf_htons(sync_port))
		count(SYNC_C_MALFORMED);
	return XDP_PASS;
}

/* ---- initiator: injection --------------------------------------------------- */

/* Run by BPF_PROG_RUN (live frames) with a complete REQUEST frame built by user
 * space: stamps t1, arms the two-step stamp and sends the frame with XDP_TX. */
SEC("xdp")
int sync_inject(struct xdp_md *ctx)
{
	struct sync_probe old, p;
	struct frame f;
	__u32 zero = 0;

	if (!parse(ctx, &f) || !is_probe(f.probe, SYNC_REQUEST))
		return XDP_ABORTED;
	struct armed *a = bpf_map_lookup_elem(&tx_armed, &zero);
	if (!a)
		return XDP_ABORTED;
	__builtin_memcpy(&old, f.probe, sizeof(old));
	p = old;
	a->seq = bpf_be64_to_cpu(old.seq);
	a->armed = 1;
	count(SYNC_C_INJECTED);
	p.t1 = bpf_cpu_to_be64(bpf_ktime_get_ns());
	seal(&p);
	fix_udp_csum(&f, &old, &p);
	__builtin_memcpy(f.probe, &p, sizeof(p));
	a->floor = bpf_ktime_get_ns(); /* the floor: the last stamp before the hand-off */
	return XDP_TX;
}

/* ---- two-step stamps ------------------------------------------------------- */

/* tp_btf arguments are typed kernel pointers: read directly, no helper calls, so the
 * time between a stamp and the hand-off stays short and alike on both sides. */
static __always_inline int ours(const struct net_device *dev)
{
	return dev->ifindex == expected_ifindex && dev->nd_net.net->ns.inum == netns_ino;
}

/* Responder: the frames of this poll were just put on the peer's ring. The stamp
 * belongs to a reply only when that reply was the hand-off's only frame. */
static __always_inline void responder_sent(__u64 now, int sent, int drops)
{
	__u32 zero = 0;
	struct responder_state *st = bpf_map_lookup_elem(&responder, &zero);
	if (!st || !st->pending)
		return;
	if (st->pending == 1 && sent == 1 && drops == 0) {
		st->done_session = st->pending_session;
		st->done_seq = st->pending_seq;
		st->done_t3 = now;
		st->done_t3_floor = st->pending_floor;
		count(SYNC_C_T3_XMIT);
	} else {
		st->done_t3 = 0;
		count(SYNC_C_T3_AMBIGUOUS);
	}
	st->pending = 0;
}

/* The initiator's two-step send stamp of probe seq, for record() to pair with its reply. */
static __always_inline void stamp_t1(__u64 seq, __u64 xmit, __u64 floor)
{
	__u32 slot = seq % TX_SLOTS;
	struct tx_slot *tx = bpf_map_lookup_elem(&tx_stamps, &slot);
	if (!tx)
		return;
	tx->seq = seq;
	tx->t1_xmit = xmit;
	tx->t1_floor = floor;
	count(SYNC_C_T1_XMIT);
}

/* Fires after a devmap flush handed frames to the device's ndo_xdp_xmit: the injected
 * probe on the initiator (its XDP_TX becomes a redirect to the same device), and a
 * reply sent by redirect on the responder. */
static long stall_step(__u64 i, void *until)
{
	return bpf_ktime_get_ns() >= *(__u64 *)until;
}

static __always_inline void test_stall(void)
{
	if (test_stall_every > 1 && bpf_get_prandom_u32() % test_stall_every)
		return;
	__u64 until = bpf_ktime_get_ns() + test_stall_ns;
	bpf_loop(1 << 23, stall_step, &until, 0);
}

SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(sync_devmap_xmit, const struct net_device *from_dev, const struct net_device *to_dev,
	     int sent, int drops, int err)
{
	if (test_stall_ns && ours(from_dev))
		test_stall();
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;

	if (!ours(from_dev))
		return 0;
	struct armed *a = bpf_map_lookup_elem(&tx_armed, &zero);
	if (!a)
		return 0;
	if (!a->armed) {
		responder_sent(now, sent, drops);
		return 0;
	}
	a->armed = 0;
	if (sent != 1 || drops != 0)
		return 0;
	stamp_t1(a->seq, now, a->floor);
	return 0;
}

/* Responder answering with XDP_TX on a veth: its bulk queue was just flushed to the peer. */
SEC("tp_btf/xdp_bulk_tx")
int BPF_PROG(sync_bulk_tx, const struct net_device *dev, int sent, int drops, int err)
{
	__u64 now = bpf_ktime_get_ns();

	if (ours(dev))
		responder_sent(now, sent, drops);
	return 0;
}

/* ---- initiator without live frames -------------------------------------------- */

/* Some kernels refuse BPF_PROG_RUN with live frames (EPERM: a sandbox's policy). There the
 * initiator sends the same frames through an AF_PACKET socket, and this stamps their
 * hand-off. net_dev_start_xmit fires just before the driver's ndo_start_xmit (on veth:
 * before the frame goes on the peer's ring), so the stamp is taken before the hand-off:
 * it is both the two-step t1 and its floor. Attached only on such a kernel. */
struct udp_probe_head {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
	struct sync_probe probe;
};

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(sync_packet_xmit, const struct sk_buff *skb, const struct net_device *dev)
{
	__u64 now = bpf_ktime_get_ns();
	struct udp_probe_head u;
	__u8 eth[ETH_HLEN + 1];
	__u32 off;

	if (!session_id || !ours(dev))
		return 0;
	unsigned char *data = skb->data;
	if (bpf_probe_read_kernel(eth, sizeof(eth), data))
		return 0;
	__u16 proto = ((__u16)eth[12] << 8) | eth[13];
	/* the frames user space builds: IPv4 without options or IPv6 without extension
	 * headers, then UDP; all in the linear part (a few dozen bytes through a packet socket) */
	if (proto == 0x0800 && eth[ETH_HLEN] == 0x45)
		off = ETH_HLEN + 20;
	else if (proto == 0x86DD && (eth[ETH_HLEN] >> 4) == 6)
		off = ETH_HLEN + 40;
	else
		return 0;
	__u8 next;
	if (bpf_probe_read_kernel(&next, 1, data + ETH_HLEN + (off == ETH_HLEN + 20 ? 9 : 6)) || next != 17)
		return 0;
	if (skb->len - skb->data_len < off + sizeof(u) || bpf_probe_read_kernel(&u, sizeof(u), data + off))
		return 0;
	if (u.dest != bpf_htons(sync_port) || !is_probe(&u.probe, SYNC_REQUEST) ||
	    u.probe.session != bpf_cpu_to_be64(session_id))
		return 0;
	stamp_t1(bpf_be64_to_cpu(u.probe.seq), now, now);
	return 0;
}

/* For the peer of a veth that sends by XDP_TX or redirect: veth delivers such frames
 * only to a peer that has an XDP program (it needs the peer's NAPI). */
SEC("xdp")
int sync_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
