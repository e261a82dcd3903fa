// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Programs that do nothing, on every hook the probes use: what the kernel's dispatch
 * alone costs a packet, the floor for any tool that stamps these points. ThroughputBench
 * runs traffic with them attached beside the real probes. The sockops program asks for
 * the header-option callback like tx_tcp does, or the kernel would never call it per
 * segment. */
#include "common.bpf.h"

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(e_tx_sock) { return 0; }

SEC("tp_btf/sock_send_length")
int BPF_PROG(e_tx_sock_done) { return 0; }

SEC("tp_btf/sched_switch")
int BPF_PROG(e_tx_sock_wait) { return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(e_sys_enter) { return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(e_sys_exit) { return 0; }

SEC("sockops")
int e_tx_tcp(struct bpf_sock_ops *skops)
{
	if (skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || skops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
	return 1;
}

SEC("netfilter")
int e_tx_ip(struct bpf_nf_ctx *ctx) { return 1; /* NF_ACCEPT */ }

SEC("netfilter")
int e_rx_ip(struct bpf_nf_ctx *ctx) { return 1; }

SEC("tp_btf/net_dev_queue")
int BPF_PROG(e_tx_dev) { return 0; }

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(e_tx_xmit) { return 0; }

SEC("tp_btf/netif_rx")
int BPF_PROG(e_rx_dev_netif_rx) { return 0; }

SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(e_rx_dev_gro) { return 0; }

SEC("tp_btf/netif_receive_skb_entry")
int BPF_PROG(e_rx_dev_receive) { return 0; }

SEC("tp_btf/netif_receive_skb_list_entry")
int BPF_PROG(e_rx_dev_receive_list) { return 0; }

SEC("tp_btf/tcp_probe")
int BPF_PROG(e_rx_tcp) { return 0; }

SEC("tp_btf/sk_data_ready")
int BPF_PROG(e_rx_sock) { return 0; }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(e_rx_app) { return 0; }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(e_flow_end) { return 0; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
