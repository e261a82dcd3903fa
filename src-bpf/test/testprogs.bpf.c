// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Programs used only by latscope-bpf's own tests: one of each attach kind, counting
 * real packets of one device, and one program the verifier must reject. */
#include "common.bpf.h"

struct pkt_event {
	__u64 ts_ns;
	__u32 len;
	__u32 ifindex;
	__u32 netns;
	__u32 kind;
};

const volatile __u32 target_ifindex = 0;  /* 0 = any device */
const volatile __u32 target_netns = 0;    /* 0 = any namespace */
const volatile __u64 magic = 0;           /* echoed by test_magic, to test constants */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* counters[kind] */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} kv SEC(".maps");

enum { K_TP_BTF, K_RAW_TP, K_TRACEPOINT, K_XDP, K_TC, K_MAGIC };

static __always_inline void count(__u32 kind)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &kind);
	if (c)
		(*c)++;
}

static __always_inline int wanted(const struct net_device *dev)
{
	if (target_ifindex && BPF_CORE_READ(dev, ifindex) != target_ifindex)
		return 0;
	if (target_netns && dev_netns_ino(dev) != target_netns)
		return 0;
	return 1;
}

static __always_inline void emit(const struct sk_buff *skb, const struct net_device *dev, __u32 kind)
{
	struct pkt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->len = BPF_CORE_READ(skb, len);
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->netns = dev_netns_ino(dev);
	e->kind = kind;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(test_tp_btf, const struct sk_buff *skb, const struct net_device *dev)
{
	if (!wanted(dev))
		return 0;
	count(K_TP_BTF);
	emit(skb, dev, K_TP_BTF);
	return 0;
}

SEC("raw_tp/net_dev_queue")
int test_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->args[0];
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!wanted(dev))
		return 0;
	count(K_RAW_TP);
	return 0;
}

/* Classic tracepoint: the format's fields, not BTF arguments. */
struct net_dev_template_args {
	__u64 common;
	void *skbaddr;
	__u32 len;
	__u32 name_loc;
};

SEC("tracepoint/net/net_dev_xmit")
int test_tracepoint(struct net_dev_template_args *ctx)
{
	struct sk_buff *skb = ctx->skbaddr;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!dev || !wanted(dev))
		return 0;
	count(K_TRACEPOINT);
	return 0;
}

SEC("xdp")
int test_xdp(struct xdp_md *ctx)
{
	count(K_XDP);
	return XDP_PASS;
}

SEC("tc")
int test_tc(struct __sk_buff *skb)
{
	count(K_TC);
	return TC_ACT_OK;
}

SEC("tp_btf/netif_rx")
int BPF_PROG(test_magic, const struct sk_buff *skb)
{
	__u32 k = K_MAGIC;
	__u64 v = magic;
	bpf_map_update_elem(&kv, &k, &v, BPF_ANY);
	return 0;
}

/* Rejected by the verifier: reads past the end of a map value. Not loaded unless a
 * test turns autoload on for it. */
SEC("tp_btf/netif_rx")
int BPF_PROG(test_rejected, const struct sk_buff *skb)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&counters, &k);
	if (!c)
		return 0;
	return (int)c[64];
}

/* Slow to verify: the verifier walks each of the loop's iterations (the counter is in the
 * loop condition, so no two states match), milliseconds of work in one BPF_PROG_LOAD. For
 * the test that loads while its thread is signalled without pause. Not loaded unless a test
 * turns autoload on for it; never attached. */
SEC("tp_btf/netif_rx")
int BPF_PROG(test_slow_verify, const struct sk_buff *skb)
{
	__u64 acc = 0;
	for (__u32 i = 0; i < 30000; i++)
		acc += (__u64)i * (skb->len + i);
	return (int)(acc & 1);
}

/* Real loss for retransmission tests: drops every drop_every-th packet longer than
 * 200 bytes (TCP data, not ACKs) leaving the device it is attached to. */
const volatile __u32 drop_every = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} drop_state SEC(".maps");

SEC("tc")
int test_drop(struct __sk_buff *skb)
{
	__u32 seen = 0, dropped = 1;
	__u64 *n = bpf_map_lookup_elem(&drop_state, &seen);
	__u64 *d = bpf_map_lookup_elem(&drop_state, &dropped);
	if (!n || !d || !drop_every || skb->len <= 200)
		return TC_ACT_OK;
	if ((__sync_fetch_and_add(n, 1) + 1) % drop_every == 0) {
		__sync_fetch_and_add(d, 1);
		return 2; /* TC_ACT_SHOT */
	}
	return TC_ACT_OK;
}

/* An iterator: the local port of every TCP socket of the namespace it is created in. */
SEC("iter/tcp")
int test_iter_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	if (!skc)
		return 0;
	__u32 port = skc->skc_num;
	bpf_seq_write(ctx->meta->seq, &port, sizeof(port));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
