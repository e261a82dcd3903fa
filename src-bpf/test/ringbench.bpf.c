// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A deterministic ring-buffer producer for tests and the drain-rate benchmark: one
 * BPF_PROG_TEST_RUN of `burst` emits args[0] records of args[1] bytes (16, 64 or 256),
 * numbered from args[2]; reservations that fail are counted in `dropped`. */
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

struct burst_ctx {
	__u64 first;
	__u32 size;
};

static long emit_numbered(__u32 i, void *data)
{
	struct burst_ctx *b = data;
	__u64 *rec;
	if (b->size == 16)
		rec = bpf_ringbuf_reserve(&records, 16, 0);
	else if (b->size == 64)
		rec = bpf_ringbuf_reserve(&records, 64, 0);
	else
		rec = bpf_ringbuf_reserve(&records, 256, 0);
	if (!rec) {
		__u32 k = 0;
		__u64 *d = bpf_map_lookup_elem(&dropped, &k);
		if (d)
			__sync_fetch_and_add(d, 1);
		return 0;
	}
	rec[0] = b->first + i;
	rec[1] = bpf_ktime_get_ns();
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("raw_tp")
int burst(struct bpf_raw_tracepoint_args *ctx)
{
	struct burst_ctx b = { .first = ctx->args[2], .size = (__u32)ctx->args[1] };
	bpf_loop((__u32)ctx->args[0], emit_numbered, &b, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
