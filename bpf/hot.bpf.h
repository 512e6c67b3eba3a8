/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hot rows (hivemon.h): claiming a row's owner slot for a key, and knowing
 * whether a slot holds a key. The owner is { __u64 state; key }, in a plain
 * array shared by all CPUs; the rows themselves are per CPU.
 */
#ifndef HIVEMON_HOT_BPF_H
#define HIVEMON_HOT_BPF_H

#include "hivemon.h"

/* @size bytes at @a and @b, both 4-byte aligned, are equal. */
static __always_inline bool same_words(const void *a, const void *b, __u32 size)
{
	const __u32 *x = a, *y = b;

	for (int i = 0; i < size / 4; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/*
 * Whether the owner slot (@state, @owner_key) holds @key (@size bytes, a
 * constant), claiming it first if it is free. The key is written before
 * the slot says READY, so a CPU that sees READY compares a whole key.
 */
static __always_inline bool hot_holds(__u64 *state, void *owner_key, const void *key, __u32 size)
{
	if (*state == HOT_FREE &&
	    __sync_val_compare_and_swap(state, HOT_FREE, HOT_CLAIMING) == HOT_FREE) {
		__builtin_memcpy(owner_key, key, size);
		/* x86 keeps stores in order; the barrier keeps the compiler's. */
		asm volatile("" ::: "memory");
		*state = HOT_READY;
	}
	return *state == HOT_READY && same_words(owner_key, key, size);
}

#endif
