/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Double-buffered maps (userspace side: src/flipmap.h). An array of two
 * maps; the program's global `gen` names the live one, userspace flips it
 * and drains the other. These helpers write the live buffer.
 */
#ifndef HIVEMON_FLIP_BPF_H
#define HIVEMON_FLIP_BPF_H

#include <bpf/bpf_helpers.h>
#include <asm-generic/errno.h>

#include "hivemon.h"
#include "hist.h"

/*
 * Declares @name, the array of the two per-CPU hash buffers @name##_a and
 * @name##_b (@key_type -> @value_type, @max entries, map @flags) that
 * src/flipmap.c drains.
 */
#define FLIP_MAP(name, key_type, value_type, max, flags)                                           \
	struct name##_buffer {                                                                     \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);                                            \
		__uint(map_flags, flags);                                                          \
		__uint(max_entries, max);                                                          \
		__type(key, key_type);                                                             \
		__type(value, value_type);                                                         \
	} name##_a SEC(".maps"), name##_b SEC(".maps");                                            \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);                                          \
		__uint(max_entries, 2);                                                            \
		__type(key, __u32);                                                                \
		__array(values, struct name##_buffer);                                             \
	} name SEC(".maps") = {.values = {&name##_a, &name##_b}}

/* The value at @key of buffer @gen of @outer, inserting @init first when
 * absent; a full map is counted in *@lost. */
static __always_inline void *flip_lookup_or_init(void *outer, __u32 gen, const void *key,
						 const void *init, __u64 *lost)
{
	void *map = bpf_map_lookup_elem(outer, &gen);
	void *val;

	if (!map)
		return 0;
	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;
	if (bpf_map_update_elem(map, key, init, BPF_NOEXIST) == -E2BIG)
		__sync_fetch_and_add(lost, 1);
	return bpf_map_lookup_elem(map, key);
}

/* Adds sample @ns of process @tgid to a per-CPU (tgid, bucket) histogram. */
static __always_inline void flip_hist_record(void *outer, __u32 gen, __u32 tgid, __u64 ns,
					     __u64 *lost)
{
	struct tgid_slot_key key = {.tgid = tgid, .slot = hist_slot(ns)};
	static const struct hist_bucket zero;
	struct hist_bucket *b = flip_lookup_or_init(outer, gen, &key, &zero, lost);

	if (!b)
		return;
	b->count++;
	b->total_ns += ns;
	if (ns > b->max_ns)
		b->max_ns = ns;
}

#endif
