/* SPDX-License-Identifier: GPL-2.0 */
/* Small map helpers shared by the BPF programs. */
#ifndef HIVEMON_MAPS_BPF_H
#define HIVEMON_MAPS_BPF_H

#include <bpf/bpf_helpers.h>
#include <asm-generic/errno.h>

/*
 * Returns the value at @key, inserting @init first when absent. Two CPUs may
 * race to insert: BPF_NOEXIST makes the loser fall back to the winner's value.
 */
static __always_inline void *map_lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *val;
	long err;

	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return 0;
	return bpf_map_lookup_elem(map, key);
}

/*
 * Lock-free raise of *@dst to @val, retried only while another CPU raced
 * us upwards: by how much this call raised it (0 when it was not lower),
 * so that callers advancing a mark can count each stretch once.
 */
static __always_inline __u64 atomic_raise_u64(__u64 *dst, __u64 val)
{
	__u64 old = *dst;

	for (int i = 0; i < 4 && val > old; i++) {
		__u64 seen = __sync_val_compare_and_swap(dst, old, val);

		if (seen == old)
			return val - old;
		old = seen;
	}
	return 0;
}

static __always_inline void atomic_max_u64(__u64 *dst, __u64 val)
{
	atomic_raise_u64(dst, val);
}

/* Lock-free min where 0 means unset; retried only while racing. */
static __always_inline void atomic_min_u64(__u64 *dst, __u64 val)
{
	__u64 old = *dst;

	for (int i = 0; i < 4 && (!old || val < old); i++) {
		__u64 seen = __sync_val_compare_and_swap(dst, old, val);

		if (seen == old)
			break;
		old = seen;
	}
}

#endif
