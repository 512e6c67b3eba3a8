// SPDX-License-Identifier: GPL-2.0
/* Linear-probing u64 hash map with backward-shift deletion (no tombstones). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static int u64map_alloc(struct u64map *m, size_t cap)
{
	m->keys = calloc(cap, sizeof(*m->keys));
	m->used = calloc(cap, 1);
	m->values = calloc(cap, m->value_size);
	m->cap = cap;
	m->n = 0;
	if (m->keys && m->used && m->values)
		return 0;
	free(m->keys);
	free(m->used);
	free(m->values);
	return -ENOMEM;
}

int u64map_init(struct u64map *m, size_t value_size)
{
	m->value_size = value_size;
	return u64map_alloc(m, 64);
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->used);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

static size_t find(const struct u64map *m, uint64_t key)
{
	size_t i = slot_of(key, m->cap);

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	size_t i = find(m, key);

	return m->used[i] ? m->values + i * m->value_size : NULL;
}

static int grow(struct u64map *m)
{
	struct u64map bigger = {.value_size = m->value_size};

	if (u64map_alloc(&bigger, m->cap * 2))
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		memcpy(u64map_upsert(&bigger, m->keys[i]), m->values + i * m->value_size,
		       m->value_size);
	}
	u64map_free(m);
	*m = bigger;
	return 0;
}

void *u64map_upsert(struct u64map *m, uint64_t key)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return NULL;
	i = find(m, key);
	if (!m->used[i]) {
		m->used[i] = 1;
		m->keys[i] = key;
		memset(m->values + i * m->value_size, 0, m->value_size);
		m->n++;
	}
	return m->values + i * m->value_size;
}

void u64map_delete(struct u64map *m, uint64_t key)
{
	size_t hole = find(m, key), j = hole;

	if (!m->used[hole])
		return;
	m->used[hole] = 0;
	m->n--;
	/* Shift later members of the probe chain back so lookups never stop early. */
	for (;;) {
		size_t home;

		j = (j + 1) & (m->cap - 1);
		if (!m->used[j])
			return;
		home = slot_of(m->keys[j], m->cap);
		if ((j > hole && (home <= hole || home > j)) ||
		    (j < hole && (home <= hole && home > j))) {
			m->keys[hole] = m->keys[j];
			memcpy(m->values + hole * m->value_size, m->values + j * m->value_size,
			       m->value_size);
			m->used[hole] = 1;
			m->used[j] = 0;
			hole = j;
		}
	}
}

void u64map_clear(struct u64map *m)
{
	memset(m->used, 0, m->cap);
	m->n = 0;
}

static uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The next id to probe after a collision of two keys' hashes. */
static uint64_t next_id(uint64_t id)
{
	return id * 0x9e3779b97f4a7c15ULL + 1;
}

void *u64map_record(struct u64map *m, const void *key, size_t key_size)
{
	for (uint64_t id = hash_bytes(key, key_size);; id = next_id(id)) {
		void *rec = u64map_get(m, id);

		if (!rec) {
			rec = u64map_upsert(m, id);
			if (rec)
				memcpy(rec, key, key_size);
			return rec;
		}
		if (!memcmp(rec, key, key_size))
			return rec;
	}
}

void u64map_record_delete(struct u64map *m, const void *key, size_t key_size)
{
	for (uint64_t id = hash_bytes(key, key_size);; id = next_id(id)) {
		void *rec = u64map_get(m, id);

		if (!rec)
			return;
		if (!memcmp(rec, key, key_size)) {
			u64map_delete(m, id);
			return;
		}
	}
}
