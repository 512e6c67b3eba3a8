/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Double-buffered per-CPU kernel counters. A program writes to the buffer
 * `outer[gen]` names (gen is a global in its .bss); userspace flips gen,
 * waits until no program can still be writing the old buffer, and drains
 * it. Each interval so gets exact deltas, exited processes leave nothing
 * behind, and userspace keeps no history of kernel values.
 */
#ifndef HIVEMON_FLIPMAP_H
#define HIVEMON_FLIPMAP_H

#include <stddef.h>
#include <stdint.h>

struct bpf_map;

struct flipmap {
	int outer_fd;
	int inner_fd[2];
	size_t key_size, value_size, stride; /* stride: per-CPU value size rounded to 8 */
	int ncpus;
	uint32_t batch;
	unsigned char *keys, *values; /* one batch, owned */
};

/* @outer: BPF_MAP_TYPE_ARRAY_OF_MAPS holding @a and @b at slots 0 and 1. */
int flipmap_init(struct flipmap *m, const struct bpf_map *outer, const struct bpf_map *a,
		 const struct bpf_map *b);
/* The same from map fds and the inner maps' key and value sizes. */
int flipmap_init_fds(struct flipmap *m, int outer_fd, int a_fd, int b_fd, size_t key_size,
		     size_t value_size);
void flipmap_free(struct flipmap *m);

/*
 * Sets *@gen (the program's global) to the other buffer and returns once
 * every program that could have read the old value has finished: a write to
 * an array-of-maps makes the kernel wait for an RCU grace period. Returns
 * the retired buffer (0 or 1) or a negative errno.
 */
int flipmap_flip(struct flipmap *m, volatile uint32_t *gen);

/*
 * Calls @visit for every entry of retired buffer @which and deletes them.
 * @values holds ncpus values, @m->stride bytes apart.
 */
typedef int (*flipmap_visit_fn)(const void *key, const void *values, const struct flipmap *m,
				void *ctx);
int flipmap_drain(struct flipmap *m, int which, flipmap_visit_fn visit, void *ctx);

/* CPU @cpu's value among the @values a visit function is given. */
static inline const void *flipmap_cpu_value(const struct flipmap *m, const void *values, int cpu)
{
	return (const char *)values + (size_t)cpu * m->stride;
}

#endif
