// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * LatScope per-layer probes. Every probe sees a range of TCP sequence numbers
 * [seq, seq+len) of one flow direction and emits an event only when the range holds a
 * marker byte (seq % stride == 0), so all layers sample the same bytes without
 * coordination. Events go to a ring buffer without wake-ups (the agent drains on a
 * timer): a wake-up costs microseconds inside the very path being measured.
 * Probes are kept lean: marker test first (arithmetic only), filters next (map lookups),
 * then one 64-byte ring-buffer record.
 */
#include "common.bpf.h"
#include "probes.h"

#define AF_INET 2
#define AF_INET6 10
#define TCPHDR_FIN 0x01
#define TCPHDR_SYN 0x02
#define MSG_PEEK 2

const volatile __u32 stride_shift = 16;   /* stride N = 1 << stride_shift */
const volatile __u8 filter_ports = 1;     /* port_bits must hold sport or dport */
const volatile __u8 filter_netns = 1;     /* the namespace must be in netns_slots (or the netns map) */

/* The filters are tested on every stamp, so they are plain loads from read-only data set
 * before load, not hash-map lookups: a bit per TCP port, and the wanted namespaces' inode
 * numbers in an open-addressed table (slot = Fibonacci hash of the inode, then up to
 * NETNS_PROBES neighbours; 0 = empty). More namespaces than the table takes go to the
 * netns hash map instead (netns_in_map). LocalProbes.java builds both the same way. */
#define NETNS_SLOT_BITS 8
#define NETNS_SLOTS (1 << NETNS_SLOT_BITS)
#define NETNS_PROBES 4
#define OPEN_SOCKS 4096 /* open_socks entries */
const volatile __u64 port_bits[65536 / 64];
const volatile __u32 netns_slots[NETNS_SLOTS];
const volatile __u8 netns_in_map = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} netns SEC(".maps");

/* Ring-buffer reservations that failed, per point, and at [LS_POINTS] for flow ends
 * (never silent). One shared array the agent maps into its memory: it checks it after
 * every drain without a system call, to leave out the markers in flight while events were
 * dropped. Drops are rare, so the shared atomic add costs nothing in steady state. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, LS_POINTS + 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* The wanted TCP sockets that became established since the probes attached and have not
 * closed (value unused). The agent reads their tcp_info counters by exact sock_diag lookups
 * each interval: a dump walks the whole established hash (262144 buckets on a machine
 * with this much memory) per family and namespace, 11-15 ms of CPU a second. When it is
 * full, the agent goes back to dumps. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OPEN_SOCKS);
	__type(key, struct ls_open_sock);
	__type(value, __u8);
} open_socks SEC(".maps");

/* rcv_nxt at the previous sk_data_ready, per socket; freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} rcv_mark SEC(".maps");

/* Entry of the write/send system call the thread is in, so the tx SOCKET point is when the
 * application handed its bytes to the kernel. Task storage, not a per-CPU slot: the entry
 * must survive what it is there to measure, a writer that sleeps on the socket's lock while
 * another thread holds it, or for send-buffer space, then wakes on another CPU or after
 * another writer ran on its CPU (a per-CPU slot lost the entry in each case and stamped at
 * the copy instead). The copy loop takes it only while the thread is still in that call,
 * which the system call number and first two arguments in the thread's saved registers tell
 * (a later call of another kind, or with another descriptor or buffer, does not match);
 * the first pass's entry is the call's by its message header instead (first_copy_began).
 * Written by one of three (LocalProbes, latscope.writeEntry): fentry/tcp_sendmsg (ended by
 * its fexit); the raw sys_enter tracepoint, which nothing needs to end (no program runs at
 * system call exits: attaching sys_enter already sends every system call of every task on
 * the host down the kernel's traced path, and a second program there cost each call another
 * run; docs/benchmarks.md, "bystanders"); or, where trampolines are refused, the write's
 * first pass of the copy loop (entry_at_first_copy, ended by sock_send_length), which traces
 * no system call. */
struct write_entry {
	__u64 ts;
	__u64 nr;
	__u64 arg0;
	__u64 arg1;
	/* entry_at_first_copy only: the socket, the sequence after the call's last byte
	 * (write_seq plus the bytes left is the same at every pass of one call), and the
	 * call's message header (the same at every pass; 0 while the entry is tx_sock_wait's,
	 * before the first pass) */
	__u64 sk;
	__u32 end;
	__u32 pad;
	__u64 msg;
};

/* Where no BPF trampoline is allowed: the write's entry is its first pass of the copy loop
 * (tx_sock notes it for the call's later passes, tx_sock_done ends it), instead of the raw
 * sys_enter tracepoint, which sends every system call of every task on the host down the
 * kernel's traced path. Set before load by LocalProbes (latscope.writeEntry). */
const volatile __u8 entry_at_first_copy = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct write_entry);
} write_entry SEC(".maps");

/* A task that never had BPF task storage has no entry: one load instead of a storage lookup. */
static __always_inline int never_stored(const struct task_struct *t)
{
	return bpf_core_field_exists(t->bpf_storage) && !t->bpf_storage;
}

/* The system call a thread is in and its first two arguments, from its saved registers. */
#if defined(__TARGET_ARCH_arm64)
#define SC_NR(r) ((__u64)(r)->syscallno)
#define SC_ARG0(r) ((__u64)(r)->orig_x0)
#define SC_ARG1(r) ((__u64)(r)->regs[1])
#else
#define SC_NR(r) ((__u64)(r)->orig_ax)
#define SC_ARG0(r) ((__u64)(r)->di)
#define SC_ARG1(r) ((__u64)(r)->si)
#endif

/* How many of rx_tcp and rx_sock are running on this CPU. The kernel runs a tracing
 * program at most once per CPU at a time: one that starts while the same program is still
 * running there (interrupted: a softirq runs on top of it when an interrupt returns) is
 * skipped and only counted (recursion_misses). Both run in process context too (a
 * socket's backlog, processed by release_sock with softirqs enabled), so a softirq that
 * delivers a segment meanwhile passes tcp_probe and sk_data_ready unseen; the netfilter
 * probe before them (rx.ip) finds the count raised and flags its stamp (tracing_skipped). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} running SEC(".maps");

static __always_inline __u32 *running_count(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&running, &zero);
}

struct flow {
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;
	__u16 dport;
	__u8 v6;
};

/* Direct loads through BTF pointers (no helper call per field): the verifier turns them
 * into fault-safe loads, and CO-RE relocates the offsets (vmlinux.h marks every struct
 * preserve_access_index). */
static __always_inline __u32 ns_of_sk(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline __u32 ns_of_dev(const struct net_device *dev)
{
	return dev->nd_net.net->ns.inum;
}

/* True when [seq, seq+len) holds a byte whose sequence number is a multiple of the stride. */
static __always_inline int has_marker(__u32 seq, __u32 len)
{
	__u32 mask = (1u << stride_shift) - 1;
	__u32 first = (seq + mask) & ~mask;
	return len && (first - seq) < len;
}

static __always_inline int port_wanted(__u16 p)
{
	return (port_bits[p >> 6] >> (p & 63)) & 1;
}

static __always_inline int netns_wanted(__u32 ns)
{
	if (ns == 0) /* no namespace read: never wanted (0 also marks an empty slot) */
		return 0;
	if (netns_in_map)
		return bpf_map_lookup_elem(&netns, &ns) != NULL;
	__u32 slot = (ns * 2654435761u) >> (32 - NETNS_SLOT_BITS);
	for (int k = 0; k < NETNS_PROBES; k++) {
		__u32 v = netns_slots[(slot + k) & (NETNS_SLOTS - 1)];
		if (v == ns)
			return 1;
		if (v == 0)
			return 0;
	}
	return 0;
}

/* The namespace filter alone (passes when the session does not filter namespaces). */
static __always_inline int netns_passes(__u32 ns)
{
	return !filter_netns || netns_wanted(ns);
}

static __always_inline int wanted(const struct flow *f, __u32 ns)
{
	if (!netns_passes(ns))
		return 0;
	if (filter_ports && !port_wanted(f->sport) && !port_wanted(f->dport))
		return 0;
	return 1;
}

static __always_inline void count_drop(__u32 point)
{
	__u64 *d = bpf_map_lookup_elem(&drops, &point);
	if (d)
		__sync_fetch_and_add(d, 1);
}

static __always_inline void fill(struct ls_event *e, __u64 ts, const struct flow *f, __u32 seq, __u32 len, __u32 ns,
				 __u32 ifindex, __u8 point, __u8 flags)
{
	e->ts_ns = ts;
	__builtin_memcpy(e->saddr, f->saddr, sizeof(e->saddr));
	__builtin_memcpy(e->daddr, f->daddr, sizeof(e->daddr));
	e->sport = f->sport;
	e->dport = f->dport;
	e->seq = seq;
	e->len = len;
	e->netns = ns;
	e->ifindex = ifindex;
	e->point = point;
	e->flags = flags | (f->v6 ? LS_F_IPV6 : 0);
	e->type = LS_REC_STAMP;
	e->pad = 0;
}

static __always_inline void emit(__u64 ts, const struct flow *f, __u32 seq, __u32 len, __u32 ns, __u32 ifindex,
				 __u8 point, __u8 flags)
{
	struct ls_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(point);
		return;
	}
	fill(e, ts, f, seq, len, ns, ifindex, point, flags);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* ---- flows from sockets ------------------------------------------------------------ */

/* The flow of data the socket sends (outbound=1) or receives (outbound=0). IPv4 over an
 * AF_INET6 socket (v4-mapped, as Java uses) is reported as IPv4, like its packets. */
static __always_inline int sk_flow(const struct sock *sk, struct flow *f, int outbound)
{
	const struct sock_common *c = &sk->__sk_common;
	__u16 family = c->skc_family;
	__u32 local[4] = {}, remote[4] = {};
	__u8 v6 = 0;
	if (family == AF_INET6) {
		const __u32 *r6 = c->skc_v6_daddr.in6_u.u6_addr32;
		if (r6[0] == 0 && r6[1] == 0 && r6[2] == bpf_htonl(0xffff)) {
			family = AF_INET; /* v4-mapped */
		} else {
			const __u32 *l6 = c->skc_v6_rcv_saddr.in6_u.u6_addr32;
			local[0] = l6[0], local[1] = l6[1], local[2] = l6[2], local[3] = l6[3];
			remote[0] = r6[0], remote[1] = r6[1], remote[2] = r6[2], remote[3] = r6[3];
			v6 = 1;
		}
	}
	if (family == AF_INET) {
		local[0] = c->skc_rcv_saddr;
		remote[0] = c->skc_daddr;
	} else if (!v6) {
		return 0;
	}
	__u16 lport = c->skc_num;
	__u16 rport = bpf_ntohs(c->skc_dport);
	f->v6 = v6;
	if (outbound) {
		__builtin_memcpy(f->saddr, local, 16);
		__builtin_memcpy(f->daddr, remote, 16);
		f->sport = lport;
		f->dport = rport;
	} else {
		__builtin_memcpy(f->saddr, remote, 16);
		__builtin_memcpy(f->daddr, local, 16);
		f->sport = rport;
		f->dport = lport;
	}
	return 1;
}

/* The socket's flow (as sk_flow) and its namespace (*ns), when the session measures them. */
static __always_inline int sk_flow_wanted(const struct sock *sk, struct flow *f, int outbound, __u32 *ns)
{
	if (!sk_flow(sk, f, outbound))
		return 0;
	*ns = ns_of_sk(sk);
	return wanted(f, *ns);
}

static __always_inline int is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP && sk->sk_type == 1 /* SOCK_STREAM */;
}

/* Byte range of a segment from its TCP control block, without SYN and FIN. */
static __always_inline __u32 cb_range(const struct sk_buff *skb, __u32 *seq)
{
	const struct tcp_skb_cb *cb = (const struct tcp_skb_cb *)skb->cb;
	__u32 s = cb->seq, end = cb->end_seq;
	__u8 tf = cb->tcp_flags;
	if (tf & TCPHDR_SYN)
		s++;
	if (tf & TCPHDR_FIN)
		end--;
	*seq = s;
	return (__s32)(end - s) > 0 ? end - s : 0;
}

/* A byte range of a socket's data: the marker test first, then the clock, the flow and the
 * filters. {@code ts} 0 means "now". Returns 1 when an event was emitted. */
static __always_inline int on_sk_range(const struct sock *sk, __u32 seq, __u32 len, int outbound, __u64 ts,
				       __u8 point, __u8 flags)
{
	if ((__s32)len <= 0 || !has_marker(seq, len))
		return 0;
	if (!ts)
		ts = bpf_ktime_get_ns();
	struct flow f = {};
	__u32 ns;
	if (!sk_flow_wanted(sk, &f, outbound, &ns))
		return 0;
	emit(ts, &f, seq, len, ns, 0, point, flags);
	return 1;
}

/* ---- flows from packets ------------------------------------------------------------ */

#ifndef LS_NO_KFUNC_CASTS
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The packet's headers through read-only casts to the kernel's header types: loads the
 * verifier makes fault-safe (like any BTF pointer's), no helper call and no copy. */
static __always_inline const struct iphdr *as_ip(const void *p)
{
	return bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct iphdr));
}

static __always_inline const struct ipv6hdr *as_ip6(const void *p)
{
	return bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct ipv6hdr));
}

static __always_inline const struct tcphdr *as_tcp(const void *p)
{
	return bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct tcphdr));
}

/* The tcp_sock of a socket known to be a full TCP socket (the hook is TCP's own, or the
 * caller checked is_tcp): a read-only cast instead of the bpf_skc_to_tcp_sock helper.
 * Never NULL for a socket; its loads are fault-safe. */
static __always_inline const struct tcp_sock *tcp_sk_of(const struct sock *sk)
{
	return bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
}

/* Parses IP + TCP at head+nh. Returns the TCP payload length (0 when none), or -1 when
 * the packet is not TCP. Bitfields (version, ihl, doff) are read as the byte that holds them. */
static __always_inline int parse(const struct sk_buff *skb, __u32 nh, struct flow *f, __u32 *seq)
{
	unsigned char *head = skb->head;
	__u32 before = (__u32)((head + nh) - skb->data); /* link-layer bytes still counted in skb->len */
	const struct iphdr *ip = as_ip(head + nh);
	__u8 b0 = *(const __u8 *)ip;
	__u32 ihl;
	if ((b0 >> 4) == 4) {
		if (ip->protocol != IPPROTO_TCP)
			return -1;
		ihl = (b0 & 0x0f) * 4;
		if (ihl < 20)
			return -1;
		f->saddr[0] = ip->saddr;
		f->daddr[0] = ip->daddr;
	} else if ((b0 >> 4) == 6) {
		const struct ipv6hdr *ip6 = as_ip6(head + nh);
		if (ip6->nexthdr != IPPROTO_TCP) /* extension headers: not followed */
			return -1;
		ihl = 40;
		const __u32 *s6 = ip6->saddr.in6_u.u6_addr32, *d6 = ip6->daddr.in6_u.u6_addr32;
		f->saddr[0] = s6[0], f->saddr[1] = s6[1], f->saddr[2] = s6[2], f->saddr[3] = s6[3];
		f->daddr[0] = d6[0], f->daddr[1] = d6[1], f->daddr[2] = d6[2], f->daddr[3] = d6[3];
		f->v6 = 1;
	} else {
		return -1;
	}
	ihl &= 63;
	const struct tcphdr *th = as_tcp(head + nh + ihl);
	__u8 b12 = *((const __u8 *)th + 12); /* doff in the high nibble */
	__u8 b13 = *((const __u8 *)th + 13); /* flags: SYN is bit 1 */
	__u32 thoff = (b12 >> 4) * 4;
	f->sport = bpf_ntohs(th->source);
	f->dport = bpf_ntohs(th->dest);
	*seq = bpf_ntohl(th->seq) + ((b13 >> 1) & 1);
	__s64 payload = (__s64)skb->len - before - ihl - thoff;
	return payload > 0 ? (int)payload : 0;
}

#else /* LS_NO_KFUNC_CASTS: kernels before 6.2 (no bpf_rdonly_cast, no bpf_cast_to_kern_ctx) */

/* The tcp_sock of a full TCP socket through the bpf_skc_to_tcp_sock helper (5.9+): may be
 * NULL in the verifier's eyes, so callers test it. */
static __always_inline const struct tcp_sock *tcp_sk_of(const struct sock *sk)
{
	return bpf_skc_to_tcp_sock((void *)sk);
}

/* parse() above, from copies: the IP header (up to 60 bytes) and the TCP header's first
 * 14 bytes, read with bpf_probe_read_kernel (what kernels without read-only casts allow). */
static __always_inline int parse(const struct sk_buff *skb, __u32 nh, struct flow *f, __u32 *seq)
{
	unsigned char *head = skb->head;
	__u32 before = (__u32)((head + nh) - skb->data);
	__u8 h[40];
	if (bpf_probe_read_kernel(h, sizeof(h), head + nh))
		return -1;
	__u32 ihl;
	if ((h[0] >> 4) == 4) {
		if (h[9] != IPPROTO_TCP)
			return -1;
		ihl = (h[0] & 0x0f) * 4;
		if (ihl < 20)
			return -1;
		__builtin_memcpy(&f->saddr[0], h + 12, 4);
		__builtin_memcpy(&f->daddr[0], h + 16, 4);
	} else if ((h[0] >> 4) == 6) {
		if (h[6] != IPPROTO_TCP)
			return -1;
		ihl = 40;
		__builtin_memcpy(f->saddr, h + 8, 16);
		__builtin_memcpy(f->daddr, h + 24, 16);
		f->v6 = 1;
	} else {
		return -1;
	}
	ihl &= 63;
	__u8 th[14];
	if (bpf_probe_read_kernel(th, sizeof(th), head + nh + ihl))
		return -1;
	__u32 thoff = (th[12] >> 4) * 4;
	f->sport = ((__u16)th[0] << 8) | th[1];
	f->dport = ((__u16)th[2] << 8) | th[3];
	*seq = (((__u32)th[4] << 24) | ((__u32)th[5] << 16) | ((__u32)th[6] << 8) | th[7]) + ((th[13] >> 1) & 1);
	__s64 payload = (__s64)skb->len - before - ihl - thoff;
	return payload > 0 ? (int)payload : 0;
}
#endif

/* LS_F_TRACING_SKIPPED for a netfilter stamp taken where the kernel does not run this
 * packet's tracing probes, so the agent can name why its marker lacks their stamps
 * (docs/design.md, "kernel skipped tracing"). Netfilter programs run in either case:
 * (1) rx_tcp or rx_sock is already running on this CPU, under us (see "running"): the
 * kernel skips them for this packet as a recursion; (2) some kernels run no tracing program
 * (tp_btf, raw_tp, perf tracepoints) while the current task is a thread of PID 1, unless
 * init loaded it: the sandbox kernels of LatScope's development VMs test current->tgid == 1
 * and prog->aux->init_owned in bpf_trace_runN and trace_call_bpf, and count nothing. A
 * qdisc's watchdog softirq on top of such a thread carries the packets it releases past
 * the tracepoint probes. Such a kernel is known by that field (a CO-RE relocation resolved
 * at load: elsewhere the test is constant 0, and the verifier never checks the helper call
 * behind it, which netfilter programs may make only since 6.10). Not handled: an agent that
 * is PID 1 itself, whose programs such a kernel runs. */
static __always_inline __u8 tracing_skipped(void)
{
	__u32 *r = running_count();
	if (r && *r)
		return LS_F_TRACING_SKIPPED;
	if (!bpf_core_field_exists(struct bpf_prog_aux, init_owned))
		return 0;
	return (bpf_get_current_pid_tgid() >> 32) == 1 ? LS_F_TRACING_SKIPPED : 0;
}

/* Lean path first: one header read and the marker test; the clock, namespace and
 * filters only for the rare segment that carries a marker. dev: a device point (its
 * namespace and ifindex); else an IP point in net, whose stamps are flagged when the kernel
 * skips tracing programs meanwhile (nf: a netfilter program, which it does not skip; a
 * trampoline stand-in is itself skipped, so nothing to flag). */
static __always_inline void on_packet(const struct sk_buff *skb, __u32 nh, const struct net_device *dev,
				      const struct net *net, __u8 point, int nf)
{
	struct flow f = {};
	__u32 seq;
	int len = parse(skb, nh, &f, &seq);
	if (len <= 0 || !has_marker(seq, len))
		return;
	__u64 ts = bpf_ktime_get_ns();
	__u32 ns = dev ? ns_of_dev(dev) : net->ns.inum;
	if (!wanted(&f, ns))
		return;
	emit(ts, &f, seq, len, ns, dev ? dev->ifindex : 0, point, nf ? tracing_skipped() : 0);
}

static __always_inline void on_dev(const struct sk_buff *skb, const struct net_device *dev, __u8 point, int rx)
{
	if (!dev)
		return;
	/* On the receive entry points network_header is not set yet, but data is at L3. */
	__u32 nh = rx ? (__u32)(skb->data - skb->head) : skb->network_header;
	on_packet(skb, nh, dev, NULL, point, 0);
}

/* ---- tx ------------------------------------------------------------------------------ */

/* When the write the thread is in began (sys_enter or tx_sock_begin), or 0 when neither
 * saw it (syscall boundaries off; with sys_enter, a call outside the write family or a
 * kernel thread's send). */
static __always_inline __u64 write_began(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct write_entry *w = bpf_task_storage_get(&write_entry, t, 0, 0);
	if (!w)
		return 0;
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!r || SC_NR(r) != w->nr || SC_ARG0(r) != w->arg0 || SC_ARG1(r) != w->arg1)
		return 0;
	return w->ts;
}

/* A tx.sock stamp for bytes [seq, seq + len) of a write that carry a marker: the
 * application's write began at the system call's entry, when it was seen. */
static __always_inline void on_write(const struct sock *sk, __u32 seq, __u32 len)
{
	on_sk_range(sk, seq, len, 1, write_began(), LS_TX_SOCK, 0);
}

#define LS_PF_KTHREAD 0x00200000

/* entry_at_first_copy: when the call the thread is in made its first pass of the copy loop
 * on this socket, noted now if this is that pass, or when the call went to sleep before it
 * (tx_sock_wait: on the socket's lock). The call's way from its entry to the lock, and a
 * preemption on that way, are not in it. A later pass of the same call (after a wait for send
 * buffer space, perhaps on another CPU) finds the thread's entry: same message header, same
 * socket, same end of the call's bytes. tx_sock_done ends it when the call returns, so a
 * later call that repeats all of these (a writev of the rest of a partial write through the
 * same iovec array, its header at the same place on the kernel stack) starts its own. The
 * saved registers are read only to take tx_sock_wait's entry (the same system call and
 * first two arguments): reading them at every first pass cost it 60-100 ns (AMD EPYC VM,
 * bpf_stats; docs/benchmarks.md, tenth session). A kernel thread's send (sockmap, kTLS
 * work) is stamped at the copy. */
static __always_inline __u64 first_copy_began(const struct sock *sk, __u32 end, const struct msghdr *msg)
{
	struct task_struct *t = bpf_get_current_task_btf();
	if (t->flags & LS_PF_KTHREAD)
		return 0;
	struct write_entry *w = bpf_task_storage_get(&write_entry, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w)
		return 0;
#ifdef LS_NO_KFUNC_CASTS
	int waited_here = 1; /* tx_sock_wait cannot read the descriptor's socket without read-only casts */
#else
	int waited_here = w->sk == (__u64)sk;
#endif
	if (w->ts) {
		if (w->msg == (__u64)msg && w->sk == (__u64)sk && w->end == end)
			return w->ts;
		if (!w->msg && waited_here) { /* tx_sock_wait saw the call go to sleep on the lock before this, its first pass */
			struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(t);
			if (r && w->nr == SC_NR(r) && w->arg0 == SC_ARG0(r) && w->arg1 == SC_ARG1(r)) {
				w->msg = (__u64)msg;
				w->end = end;
				return w->ts;
			}
		}
	}
	w->ts = bpf_ktime_get_ns();
	w->sk = (__u64)sk;
	w->end = end;
	w->msg = (__u64)msg;
	return w->ts;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(tx_sock, const struct sock *sk, const struct msghdr *msg, const struct sk_buff *skb, int size_goal)
{
	/* A pass of the copy loop: bytes [write_seq, write_seq + min(left, size_goal)) may be
	 * copied now. A byte belongs to the last pass starting at or before it. */
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return 0;
	__u32 seq = tp->write_seq;
	__u64 left = msg->msg_iter.count;
	__u32 len = left < (__u64)size_goal ? (__u32)left : (__u32)size_goal;
	if (size_goal <= 0)
		return 0;
	if (entry_at_first_copy) {
		/* the call's first pass notes its entry when any byte left in the call is a marker */
		__u32 rest = left > 0x7fffffff ? 0x7fffffff : (__u32)left;
		if (!has_marker(seq, rest))
			return 0;
		struct flow f = {};
		__u32 ns;
		if (!sk_flow_wanted(sk, &f, 1, &ns))
			return 0;
		__u64 ts = first_copy_began(sk, seq + rest, msg);
		if (!has_marker(seq, len))
			return 0;
		emit(ts ? ts : bpf_ktime_get_ns(), &f, seq, len, ns, 0, LS_TX_SOCK, 0);
		return 0;
	}
	if (!has_marker(seq, len))
		return 0;
	on_write(sk, seq, len);
	return 0;
}

/* System call numbers of the write family (asm/unistd.h of each arch). */
#if defined(__TARGET_ARCH_arm64)
#define NR_WRITE 64
#define NR_WRITEV 66
#define NR_SENDTO 206
#define NR_SENDMSG 211
#else /* x86_64 */
#define NR_WRITE 1
#define NR_WRITEV 20
#define NR_SENDTO 44
#define NR_SENDMSG 46
#endif

/* A system call of the write family: write, writev, sendto, sendmsg. */
static __always_inline int is_write_call(__u64 nr)
{
	return !(nr != NR_WRITE && nr != NR_WRITEV && nr != NR_SENDTO && nr != NR_SENDMSG);
}

/* A socket whose flow the session measures (ports and namespace), seen from its sending side. */
static __always_inline int sk_wanted(const struct sock *sk)
{
	struct flow f = {};
	__u32 ns;
	return sk_flow_wanted(sk, &f, 1, &ns);
}

#define LS_S_IFMT 0170000
#define LS_S_IFSOCK 0140000

#ifndef LS_NO_KFUNC_CASTS
/* Whether descriptor fd of the current task is a TCP socket of a flow the session measures:
 * the task's descriptor table, the file, its inode's type, then the socket's flow. A socket
 * not connected yet counts when its namespace is wanted: a Fast Open send (sendto with
 * MSG_FASTOPEN) connects it inside the call, and its ports are not known before. A write to
 * a file, a pipe or another socket ends here, before the clock, so a process that writes a
 * byte at a time to anything else pays the kernel's traced path and these loads (dd bs=1
 * beside a session ran at 0.68x its speed where noting every write-family call gave
 * 0.63-0.64x; docs/benchmarks.md). */
static __always_inline const struct sock *fd_wanted_sk(struct task_struct *t, __u64 fd)
{
	struct files_struct *files = t->files;
	if (!files)
		return 0;
	struct fdtable *fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return 0;
	/* fdt->fd[fd], a pointer in an array of pointers, which BTF-typed loads do not index: the
	 * slot is read as the one pointer field of a struct llist_node (a fault-safe load, where
	 * bpf_probe_read_kernel cost a helper call and its address checks on every write) */
	const struct llist_node *slot = bpf_rdonly_cast((void *)((__u64)fdt->fd + fd * sizeof(void *)),
							bpf_core_type_id_kernel(struct llist_node));
	const struct file *f = bpf_rdonly_cast(slot->next, bpf_core_type_id_kernel(struct file));
	if (!f)
		return 0;
	const struct inode *ino = f->f_inode;
	if (!ino || (ino->i_mode & LS_S_IFMT) != LS_S_IFSOCK)
		return 0;
	const struct socket *so = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
	const struct sock *sk = so->sk;
	if (!sk || !is_tcp(sk))
		return 0;
	if (sk->__sk_common.skc_dport == 0)
		return netns_passes(ns_of_sk(sk)) ? sk : 0;
	return sk_wanted(sk) ? sk : 0;
}

static __always_inline int fd_wanted(struct task_struct *t, __u64 fd)
{
	return fd_wanted_sk(t, fd) != 0;
}

/* Whether a thread asleep in a call on sk waits for its lock: another thread owns it. */
static __always_inline int lock_owned(const struct sock *sk)
{
	return sk->sk_lock.owned != 0;
}
#else
/* Before 6.2 (no read-only casts): every write-family call is noted, as the copy loop
 * matches the call it is in anyway. */
static __always_inline int fd_wanted(struct task_struct *t, __u64 fd)
{
	return 1;
}

/* Without read-only casts the descriptor's socket is not read: any socket counts (this
 * object is for kernels before 6.2, which have no tcp_sendmsg_locked tracepoint, so the
 * first-copy entry is never used with it). */
static __always_inline const struct sock *fd_wanted_sk(struct task_struct *t, __u64 fd)
{
	return (const struct sock *)1;
}

static __always_inline int lock_owned(const struct sock *sk)
{
	return 1;
}
#endif

/* Ends the thread's write entry, if it has one: the copy loop then stamps at the copy. Its
 * time is set to 0 (an nr of -1 would look like a task outside any system call). */
static __always_inline void end_write_entry(struct task_struct *t)
{
	struct write_entry *w = bpf_task_storage_get(&write_entry, t, 0, 0);
	if (w)
		w->ts = 0;
}

/* Entry of a write-family system call on a socket the session measures: remember when, for
 * the thread (write_entry). Optional: without it tx SOCKET starts at the copy loop. One raw
 * tracepoint for all calls (a branch on the number) instead of the per-call syscalls/
 * tracepoints, which copy every call's arguments into a perf buffer first. The stamp is
 * taken after the descriptor check (its cost is not measured on its own), so that writes
 * to anything else read no clock. A write-family call on anything else ends the thread's
 * entry, if it has one, as tx_sock_end does: the entry is always the thread's latest such
 * call, so a later send whose number, descriptor and buffer repeat an older one's (the
 * descriptor reused by the next connection) never matches that older entry. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (!is_write_call(id))
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	if (!fd_wanted(t, SC_ARG0(regs))) {
		/* A task that never had BPF task storage has no entry to end: one load instead of
		 * a storage lookup (dd bs=1 ran 0.657x beside a session with the lookup on every
		 * write, 0.68x without it). */
		if (never_stored(t))
			return 0;
		end_write_entry(t);
		return 0;
	}
	struct write_entry *w = bpf_task_storage_get(&write_entry, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w)
		return 0;
	w->ts = bpf_ktime_get_ns();
	w->nr = (__u64)id;
	w->arg0 = SC_ARG0(regs);
	w->arg1 = SC_ARG1(regs);
	return 0;
}

/* entry_at_first_copy: a thread that goes to sleep inside a write-family call on a socket the
 * session measures while another thread owns that socket's lock (__lock_sock: an
 * uninterruptible sleep that lasts while the lock is owned), before the call's first pass of
 * the copy loop, notes the call's entry now; the first pass takes it (its message header
 * still unset; the socket and the system call with its first two arguments the same), so
 * tx.SOCKET holds the wait, as it does from sys_enter. A switch in a call that
 * already has its entry (a later wait for send-buffer space) changes nothing. Nothing else
 * is noted: a preemption, or another uninterruptible sleep (memory-cgroup throttling, task
 * work) after sock_send_length ended the call's entry, on the way back to user space, would
 * leave an entry that the thread's next call with the same arguments took as its own (a
 * stamp a whole call early: seen in FirstCopyEntryTest with preemptions noted); a call
 * preempted on its way to the lock is stamped at its first pass. Every context switch on the
 * host runs this: all but an uninterruptible sleep return at the first tests, a thread that
 * never sent a marker of a measured socket at the next load. */
#define LS_TASK_UNINTERRUPTIBLE 0x2
SEC("tp_btf/sched_switch")
int BPF_PROG(tx_sock_wait, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	if (preempt || !(prev_state & LS_TASK_UNINTERRUPTIBLE))
		return 0;
	if (never_stored(prev))
		return 0;
	if (prev->flags & LS_PF_KTHREAD)
		return 0;
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(prev);
	if (!r)
		return 0;
	__u64 nr = SC_NR(r);
	if (!is_write_call(nr))
		return 0;
	struct write_entry *w = bpf_task_storage_get(&write_entry, prev, 0, 0);
	if (!w)
		return 0;
	__u64 a0 = SC_ARG0(r), a1 = SC_ARG1(r);
	/* the call passed its first copy already (its entry lives until tx_sock_done), or this
	 * is another sleep of the same wait */
	if (w->ts && (w->msg || (w->nr == nr && w->arg0 == a0 && w->arg1 == a1)))
		return 0;
	const struct sock *sk = fd_wanted_sk(prev, a0);
	if (!sk || !lock_owned(sk))
		return 0;
	w->ts = bpf_ktime_get_ns();
	w->nr = nr;
	w->arg0 = a0;
	w->arg1 = a1;
	w->sk = (__u64)sk;
	w->end = 0;
	w->msg = 0;
	return 0;
}

/* The entry where the kernel allows BPF trampolines: tcp_sendmsg's, before it takes the
 * socket's lock, with the registers of the system call the thread is in. For a write or send
 * that is the system call's entry but for its descriptor lookup and message-header copy; for
 * sendmmsg, sendfile or splice it is each message's or chunk's, and io_uring's sends match
 * their own entry too (sys_enter notes none of these: their copies are stamped at the copy).
 * Only sends on the session's sockets note anything, so no other task's system calls take
 * the traced path and no other thread gets task storage. LocalProbes attaches it (after
 * tx_sock_end) instead of sys_enter when it can; the copy loop checks either the same way
 * (write_began). */
SEC("fentry/tcp_sendmsg")
int BPF_PROG(tx_sock_begin, struct sock *sk, struct msghdr *msg, size_t size)
{
	if (!sk_wanted(sk))
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct write_entry *w = bpf_task_storage_get(&write_entry, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w)
		return 0;
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!r)
		return 0;
	w->ts = bpf_ktime_get_ns();
	w->nr = SC_NR(r);
	w->arg0 = SC_ARG0(r);
	w->arg1 = SC_ARG1(r);
	return 0;
}

/* tcp_sendmsg's return ends the entry tx_sock_begin noted. sys_enter notes or ends the entry
 * at every write-family call, so its entry is always the thread's latest; tcp_sendmsg is not
 * on every path into the copy loop (kTLS and sockmap sockets call tcp_sendmsg_locked
 * themselves), and a later call of such a socket with the same number and arguments would
 * otherwise match an old entry. */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(tx_sock_end, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	end_write_entry(bpf_get_current_task_btf());
	return 0;
}

/* entry_at_first_copy: a socket's send returned (sock_sendmsg's end, every socket family):
 * the thread's entry, if it has one, is over. A thread that never had BPF task storage (one
 * that never sent a marker of a measured socket) costs one load. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(tx_sock_done, struct sock *sk, int ret, int flags)
{
	struct task_struct *t = bpf_get_current_task_btf();
	if (never_stored(t))
		return 0;
	end_write_entry(t);
	return 0;
}

#ifndef LS_NO_KFUNC_CASTS
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

SEC("sockops")
int tx_tcp(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB: {
		/* Ask for the header-option callback on wanted sockets only. */
		struct bpf_sock_ops_kern *k = bpf_cast_to_kern_ctx(skops);
		struct sock *sk = k->sk;
		if (sk && sk_wanted(sk))
			bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						  BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
		return 1;
	}
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB: {
		struct bpf_sock_ops_kern *k = bpf_cast_to_kern_ctx(skops);
		struct sk_buff *skb = k->skb;
		struct sock *sk = k->sk;
		if (!skb || !sk)
			return 1;
		__u32 seq, len = cb_range(skb, &seq);
		/* snd_nxt has not moved past a new segment yet: anything before it is resent */
		__u8 flags = (__s32)(seq - skops->snd_nxt) < 0 ? LS_F_RETRANS : 0;
		on_sk_range(sk, seq, len, 1, 0, LS_TX_TCP, flags);
		return 1;
	}
	}
	return 1;
}

#define SOL_TCP_LEVEL 6
#define TCP_ESTABLISHED_STATE 1
#define TCP_CLOSE_WAIT_STATE 8

/* Run once per namespace when the session starts, after tx_tcp is attached: sockops
 * asks for the header-option callback only in *_ESTABLISHED_CB, so a connection that
 * was open before the session would never reach tx TCP. This sets the same flag on the
 * wanted TCP sockets already open (those that can still send) through bpf_setsockopt,
 * and writes each call's result to the iterator's output. */
SEC("iter/tcp")
int tx_tcp_existing(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	if (!skc)
		return 0;
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0; /* request and time-wait sockets */
	struct sock *sk = (struct sock *)tp;
	__u8 state = skc->skc_state;
	if (state != TCP_ESTABLISHED_STATE && state != TCP_CLOSE_WAIT_STATE)
		return 0;
	if (!sk_wanted(sk))
		return 0;
	int flags = tp->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG;
	/* one result per socket for the agent to count: 0, or the error (a kernel without
	 * this socket option answers -EINVAL) */
	int rc = bpf_setsockopt(tp, SOL_TCP_LEVEL, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags));
	bpf_seq_write(ctx->meta->seq, &rc, sizeof(rc));
	return 0;
}

#endif /* sockops tx TCP: not in the pre-6.2 object, where fentry is the tx TCP point */

/* The better tx TCP point where the kernel allows BPF trampolines: every transmitted
 * segment of every socket, no per-socket flag, no cgroup dispatch (sockops costs 2-3
 * cgroup program calls per segment: docs/benchmarks.md). */
SEC("fentry/__tcp_transmit_skb")
int BPF_PROG(tx_tcp_fentry, struct sock *sk, struct sk_buff *skb)
{
	__u32 seq, len = cb_range(skb, &seq);
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return 0;
	on_sk_range(sk, seq, len, 1, 0, LS_TX_TCP, (__s32)(seq - tp->snd_nxt) < 0 ? LS_F_RETRANS : 0);
	return 0;
}

static __always_inline int on_netfilter(struct bpf_nf_ctx *ctx, __u8 point)
{
	const struct sk_buff *skb = ctx->skb;
	on_packet(skb, skb->network_header, NULL, ctx->state->net, point, 1);
	return 1; /* NF_ACCEPT */
}

SEC("netfilter")
int tx_ip(struct bpf_nf_ctx *ctx)
{
	return on_netfilter(ctx, LS_TX_IP);
}

/* Stand-ins for the IP points where the kernel has no netfilter BPF links (before 6.4)
 * but allows BPF trampolines: the functions that run the LOCAL_OUT hook, at their entry
 * (the header is complete, the hook comes next). */
SEC("fentry/__ip_local_out")
int BPF_PROG(tx_ip_fentry, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	on_packet(skb, skb->network_header, NULL, net, LS_TX_IP, 0);
	return 0;
}

SEC("fentry/__ip6_local_out")
int BPF_PROG(tx_ip6_fentry, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	on_packet(skb, skb->network_header, NULL, net, LS_TX_IP, 0);
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tx_dev, struct sk_buff *skb)
{
	on_dev(skb, skb->dev, LS_TX_DEV, 0);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(tx_xmit, const struct sk_buff *skb, const struct net_device *dev)
{
	on_dev(skb, dev, LS_TX_XMIT, 0);
	return 0;
}

/* ---- rx ------------------------------------------------------------------------------ */

SEC("tp_btf/netif_rx")
int BPF_PROG(rx_dev_netif_rx, struct sk_buff *skb)
{
	on_dev(skb, skb->dev, LS_RX_DEV, 1);
	return 0;
}

SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(rx_dev_gro, const struct sk_buff *skb)
{
	on_dev(skb, skb->dev, LS_RX_DEV, 1);
	return 0;
}

SEC("tp_btf/netif_receive_skb_entry")
int BPF_PROG(rx_dev_receive, const struct sk_buff *skb)
{
	on_dev(skb, skb->dev, LS_RX_DEV, 1);
	return 0;
}

SEC("tp_btf/netif_receive_skb_list_entry")
int BPF_PROG(rx_dev_receive_list, const struct sk_buff *skb)
{
	on_dev(skb, skb->dev, LS_RX_DEV, 1);
	return 0;
}

SEC("netfilter")
int rx_ip(struct bpf_nf_ctx *ctx)
{
	return on_netfilter(ctx, LS_RX_IP);
}

/* Stand-ins for rx IP before 6.4: the header checks that both the single and the list
 * receive paths run just before the PRE_ROUTING hook (static, but kept out of line). */
SEC("fentry/ip_rcv_core")
int BPF_PROG(rx_ip_fentry, struct sk_buff *skb, struct net *net)
{
	on_packet(skb, skb->network_header, NULL, net, LS_RX_IP, 0);
	return 0;
}

SEC("fentry/ip6_rcv_core")
int BPF_PROG(rx_ip6_fentry, struct sk_buff *skb, struct net_device *dev, struct net *net)
{
	on_packet(skb, skb->network_header, NULL, net, LS_RX_IP, 0);
	return 0;
}

static __always_inline void on_tcp_probe(struct sock *sk, const struct sk_buff *skb)
{
	__u32 seq, len = cb_range(skb, &seq);
	if (!has_marker(seq, len))
		return;
	/* data ending at or before rcv_nxt was received before: a retransmission */
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return;
	on_sk_range(sk, seq, len, 0, 0, LS_RX_TCP, (__s32)(seq + len - tp->rcv_nxt) <= 0 ? LS_F_RETRANS : 0);
}

/* rx_tcp and rx_sock count themselves in "running" while they run, on every call (the
 * count must be up whenever the kernel's own recursion guard is). */
SEC("tp_btf/tcp_probe")
int BPF_PROG(rx_tcp, struct sock *sk, const struct sk_buff *skb)
{
	__u32 *r = running_count();
	if (r)
		(*r)++;
	on_tcp_probe(sk, skb);
	if (r)
		(*r)--;
	return 0;
}

static __always_inline void on_data_ready(const struct sock *sk)
{
	if (!is_tcp(sk))
		return;
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return;
	__u32 rcv_nxt = tp->rcv_nxt;
	/* After a FIN, rcv_nxt counts it: one past the last data byte. */
	if (sk->sk_shutdown & 1 /* RCV_SHUTDOWN */)
		rcv_nxt--;
	/* Lean path: the bytes that just arrived are unread, so without a marker in the unread
	 * data [copied_seq, rcv_nxt) there is none in them, and the socket's state is not
	 * touched. Skipping is safe for the next call too: no marker arrived meanwhile, so a
	 * stale mark bounds the same markers as a fresh one. */
	__u32 copied = tp->copied_seq;
	if (!has_marker(copied, rcv_nxt - copied))
		return;
	__u32 *prev = bpf_sk_storage_get(&rcv_mark, (struct sock *)sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!prev)
		return;
	__u32 from = *prev;
	*prev = rcv_nxt;
	/* Bytes before copied_seq were read already, so they cannot be entering the socket
	 * now. The mark is older than that when a previous sk_data_ready of this socket was
	 * not seen: on the first sight of the socket (mark 0), and whenever the kernel did not
	 * run this program (it skips tracing programs in some contexts, e.g. softirqs on top of
	 * PID 1 on sandbox kernels: docs/design.md). Starting at the stale mark would stamp
	 * markers the application has read with a later rx.sock sighting of their own. */
	if (from == 0 || (__s32)(copied - from) > 0)
		from = copied;
	on_sk_range(sk, from, rcv_nxt - from, 0, 0, LS_RX_SOCK, 0);
}

/* on_data_ready, counted in "running" (see rx_tcp) */
static __always_inline int counted_data_ready(const struct sock *sk)
{
	__u32 *r = running_count();
	if (r)
		(*r)++;
	on_data_ready(sk);
	if (r)
		(*r)--;
	return 0;
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(rx_sock, const struct sock *sk)
{
	return counted_data_ready(sk);
}

static __always_inline int on_recv(struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || (flags & MSG_PEEK) || !is_tcp(sk))
		return 0;
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return 0;
	__u32 end = tp->copied_seq;
	/* A read that consumed the FIN advanced copied_seq one past the data. */
	if ((sk->sk_shutdown & 1 /* RCV_SHUTDOWN */) && end == tp->rcv_nxt)
		end--;
	__u32 seq = end - (__u32)ret;
	if (!has_marker(seq, ret))
		return 0;
	__u64 ts = bpf_ktime_get_ns();
	struct flow f = {};
	__u32 ns;
	if (!sk_flow_wanted(sk, &f, 0, &ns))
		return 0;
	emit(ts, &f, seq, ret, ns, 0, LS_RX_APP, 0);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(rx_app, struct sock *sk, int ret, int flags)
{
	return on_recv(sk, ret, flags);
}

/* ---- fentry/fexit stand-ins for tracepoints a kernel lacks -------------------------------
 * Loaded instead of the tracepoint program of the same point when tracefs has no such
 * tracepoint but the kernel allows BPF trampolines (LocalProbes decides): none of
 * tcp_sendmsg_locked, sock_recv_length and sk_data_ready (6.6) is in Debian 12's 6.1. */

/* The whole write at tcp_sendmsg_locked's entry: [write_seq, write_seq + size). The
 * tracepoint sees each pass of the copy loop; for a write that blocks in the middle the
 * later bytes are stamped at the call's entry (with syscall boundaries the stamp is the
 * system call's entry anyway). */
SEC("fentry/tcp_sendmsg_locked")
int BPF_PROG(tx_sock_fentry, struct sock *sk, struct msghdr *msg, size_t size)
{
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return 0;
	__u32 seq = tp->write_seq;
	__u32 len = size > 0x7fffffff ? 0x7fffffff : (__u32)size;
	if (!has_marker(seq, len))
		return 0;
	on_write(sk, seq, len);
	return 0;
}

/* sock_def_readable is where the sk_data_ready tracepoint fires (TCP's sk_data_ready). */
SEC("fentry/sock_def_readable")
int BPF_PROG(rx_sock_fentry, struct sock *sk)
{
	return counted_data_ready(sk);
}

/* tcp_recvmsg's return: what sock_recv_length reports (ret, flags) for TCP. */
SEC("fexit/tcp_recvmsg")
int BPF_PROG(rx_app_fexit, struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len, int ret)
{
	return on_recv(sk, ret, flags);
}

/* ---- flow totals ---------------------------------------------------------------------- */

#define TCP_ESTABLISHED_STATE 1
#define TCP_CLOSE_STATE 7

static __always_inline void open_sock_key(struct ls_open_sock *k, const struct flow *f, __u32 ns)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->saddr, f->saddr, sizeof(k->saddr));
	__builtin_memcpy(k->daddr, f->daddr, sizeof(k->daddr));
	k->sport = f->sport;
	k->dport = f->dport;
	k->netns = ns;
	k->v6 = f->v6;
}

/* When a wanted TCP socket becomes established: into open_socks. When it closes: out of
 * it, and its final counters into the ring, so flow totals lose nothing between the
 * agent's periodic samples and the close. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(flow_end, const struct sock *sk, const int oldstate, const int newstate)
{
	if ((newstate != TCP_CLOSE_STATE && newstate != TCP_ESTABLISHED_STATE) || !is_tcp(sk))
		return 0;
	const struct tcp_sock *tp = tcp_sk_of(sk);
	if (!tp)
		return 0;
	struct flow f = {};
	if (!sk_flow(sk, &f, 1))
		return 0;
	/* on the way to CLOSE the bound port (skc_num) may already be released */
	f.sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	__u32 ns = ns_of_sk(sk);
	if (!wanted(&f, ns))
		return 0;
	struct ls_open_sock k;
	open_sock_key(&k, &f, ns);
	if (newstate == TCP_ESTABLISHED_STATE) {
		__u8 one = 1;
		bpf_map_update_elem(&open_socks, &k, &one, BPF_ANY);
		return 0;
	}
	bpf_map_delete_elem(&open_socks, &k);
	struct ls_flow_end *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(LS_POINTS);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	/* the socket's cookie in seq (low word) and len (high word), which a flow end does not
	 * use: sock_diag reports the same cookie (idiag_cookie), so the agent can tell this
	 * connection from a newer one between the same ends */
	__u64 cookie = bpf_get_socket_cookie((void *)sk);
	fill(&e->head, bpf_ktime_get_ns(), &f, (__u32)cookie, (__u32)(cookie >> 32), ns, 0, LS_POINTS, 0);
	e->head.type = LS_REC_FLOW_END;
	e->bytes_acked = tp->bytes_acked;
	e->bytes_received = tp->bytes_received;
	e->data_segs_out = tp->data_segs_out;
	e->data_segs_in = tp->data_segs_in;
	e->total_retrans = tp->total_retrans;
	e->data_bytes_sent = tp->bytes_sent - tp->bytes_retrans;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/* An empty program on the same kind of hook: the floor probe costs are compared with. */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(empty_floor, struct sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
