/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Open-addressing hash map from a u64 key to a fixed-size value blob. Used to
 * remember the previous cumulative values of kernel counters so each
 * interval gets exact deltas without racing the kernel on deletes.
 */
#ifndef HIVEMON_U64MAP_H
#define HIVEMON_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys;
	unsigned char *used;
	unsigned char *values;
	size_t value_size, cap, n;
};

int u64map_init(struct u64map *m, size_t value_size);
void u64map_free(struct u64map *m);
/* Value of @key, or NULL. */
void *u64map_get(const struct u64map *m, uint64_t key);
/* Value of @key, inserted zeroed when absent; NULL on ENOMEM. */
void *u64map_upsert(struct u64map *m, uint64_t key);
void u64map_delete(struct u64map *m, uint64_t key);
/*
 * Records keyed wider than 64 bits (a BPF map's key): the first @key_size
 * bytes of each value are its key, found by their hash with probing.
 * u64map_record() returns the record of @key, inserted zeroed (key
 * copied) when absent; NULL on ENOMEM.
 */
void *u64map_record(struct u64map *m, const void *key, size_t key_size);
void u64map_record_delete(struct u64map *m, const void *key, size_t key_size);
/* Removes every entry, keeping the allocation. */
void u64map_clear(struct u64map *m);

/* The value in slot @i (0 <= @i < cap), or NULL when the slot is free:
 * for walking every entry. */
static inline void *u64map_at(const struct u64map *m, size_t i)
{
	return m->used[i] ? m->values + i * m->value_size : NULL;
}

#endif
