// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test-only: a tc filter that drops a given share of the UDP packets to or from one
 * port, to test clock sync under probe loss (this kernel has no netem). */
#include "common.bpf.h"

const volatile __u16 udp_port = 0;
const volatile __u32 loss_percent = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lossy_counts SEC(".maps"); /* [0] seen, [1] dropped */

static __always_inline void bump(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&lossy_counts, &k);
	if (v)
		(*v)++;
}

SEC("tc")
int test_lossy(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	if (udp->dest != bpf_htons(udp_port) && udp->source != bpf_htons(udp_port))
		return TC_ACT_OK;
	bump(0);
	if (bpf_get_prandom_u32() % 100 < loss_percent) {
		bump(1);
		return 2; /* TC_ACT_SHOT */
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
