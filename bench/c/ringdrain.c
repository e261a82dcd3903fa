// SPDX-License-Identifier: Apache-2.0
/*
 * Baseline for RingDrainBench: drains the ringbench object's ring buffer with libbpf's
 * ring_buffer__consume (one callback per record), after the same producer filled it.
 *
 *   ringdrain OBJECT ROUNDS RECORDS_PER_ROUND RING_BYTES
 * prints: "<records> <nanoseconds spent draining> <checksum>"
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t sum, count;

static int on_record(void *ctx, void *data, size_t size)
{
	sum += *(uint64_t *)data;
	count++;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: ringdrain OBJECT ROUNDS RECORDS_PER_ROUND RING_BYTES\n");
		return 2;
	}
	int rounds = atoi(argv[2]);
	uint64_t per_round = strtoull(argv[3], NULL, 10);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	struct bpf_map *ring = obj ? bpf_object__find_map_by_name(obj, "records") : NULL;
	if (!ring || bpf_map__set_max_entries(ring, atoi(argv[4])) || bpf_object__load(obj)) {
		fprintf(stderr, "ringdrain: cannot load %s\n", argv[1]);
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "burst");
	int map_fd = bpf_object__find_map_fd_by_name(obj, "records");
	struct ring_buffer *rb = ring_buffer__new(map_fd, on_record, NULL, NULL);
	if (!prog || map_fd < 0 || !rb) {
		fprintf(stderr, "ringdrain: object lacks burst/records\n");
		return 1;
	}
	uint64_t spent = 0, next = 0;
	for (int r = 0; r < rounds; r++) {
		uint64_t args[3] = {per_round, 64, next};
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
			fprintf(stderr, "ringdrain: test run failed\n");
			return 1;
		}
		next += per_round;
		uint64_t t0 = now_ns();
		ring_buffer__consume(rb);
		spent += now_ns() - t0;
	}
	printf("%llu %llu %llu\n", (unsigned long long)count, (unsigned long long)spent, (unsigned long long)sum);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
