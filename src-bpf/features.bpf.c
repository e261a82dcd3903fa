// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One minimal program per attach kind. io.latscope.bpf.Features loads and attaches
 * each on its own to learn what this kernel allows (never trusting version numbers). */
#include "common.bpf.h"

SEC("tp_btf/netif_rx")
int BPF_PROG(feat_tp_btf, const struct sk_buff *skb) { return 0; }

SEC("raw_tp/netif_rx")
int feat_raw_tp(struct bpf_raw_tracepoint_args *ctx) { return 0; }

SEC("tracepoint/net/netif_rx")
int feat_tracepoint(void *ctx) { return 0; }

SEC("fentry/tcp_sendmsg")
int BPF_PROG(feat_fentry, struct sock *sk) { return 0; }

SEC("kprobe/tcp_sendmsg")
int feat_kprobe(struct pt_regs *ctx) { return 0; }

SEC("xdp")
int feat_xdp(struct xdp_md *ctx) { return XDP_PASS; }

SEC("tc")
int feat_tc(struct __sk_buff *skb) { return TC_ACT_OK; }

SEC("cgroup_skb/egress")
int feat_cgroup_skb(struct __sk_buff *skb) { return 1; }

SEC("sockops")
int feat_sockops(struct bpf_sock_ops *ctx) { return 1; }

/* __weak: a kernel without these kfuncs (before 6.2) must not fail the whole object when
 * libbpf resolves externs; only the program that calls one fails, as its probe should. */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

SEC("sockops")
int feat_sockops_kern_ctx(struct bpf_sock_ops *ctx)
{
	struct bpf_sock_ops_kern *k = bpf_cast_to_kern_ctx(ctx);
	return k->op == 0xff ? 0 : 1;
}

/* The read-only cast the probes parse headers and read tcp_sock with (6.2+); without it
 * the agent loads its pre-6.2 object (helpers and copies instead). */
SEC("tp_btf/netif_rx")
int BPF_PROG(feat_rdonly_cast, struct sk_buff *skb)
{
	const struct sk_buff *c = bpf_rdonly_cast(skb, bpf_core_type_id_kernel(struct sk_buff));
	return c->len == 0xffffffff;
}

/* libbpf 1.1 does not know this section; the loader sets type NETFILTER (32) and
 * expected attach type BPF_NETFILTER (45) itself. */
SEC("netfilter")
int feat_netfilter(struct bpf_nf_ctx *ctx) { return 1; /* NF_ACCEPT */ }

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} feat_rb SEC(".maps");

SEC("tp_btf/netif_rx")
int BPF_PROG(feat_ringbuf, const struct sk_buff *skb)
{
	bpf_ringbuf_output(&feat_rb, &skb, sizeof(skb), BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
