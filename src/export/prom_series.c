// SPDX-License-Identifier: GPL-2.0
/* The Prometheus series table: lookup by family and labels, running totals, expiry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/prom_series.h"

static uint64_t series_hash(enum family_id fam, const char *labels)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)fam;

	for (const unsigned char *c = (const unsigned char *)labels; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h;
}

static void index_fill(struct prom_registry *r, uint32_t *index, size_t cap)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t h = series_hash(r->series[i]->family, r->series[i]->labels) & (cap - 1);

		while (index[h])
			h = (h + 1) & (cap - 1);
		index[h] = (uint32_t)i + 1;
	}
	free(r->index);
	r->index = index;
	r->index_cap = cap;
}

static int index_rebuild(struct prom_registry *r, size_t cap)
{
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	index_fill(r, index, cap);
	return 0;
}

static struct prom_series *series_find(const struct prom_registry *r, enum family_id fam,
				       const char *labels)
{
	size_t mask = r->index_cap - 1;

	if (!r->index_cap)
		return NULL;
	for (size_t h = series_hash(fam, labels) & mask; r->index[h]; h = (h + 1) & mask) {
		struct prom_series *s = r->series[r->index[h] - 1];

		if (s->family == fam && !strcmp(s->labels, labels))
			return s;
	}
	return NULL;
}

static struct prom_series *series_create(struct prom_registry *r, enum family_id fam,
					 const char *labels)
{
	size_t nb = prom_families[fam].kind == KIND_HISTOGRAM ? N_BUCKETS : 0;
	struct prom_series *s;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct prom_series **grown = realloc(r->series, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		r->series = grown;
		r->cap = cap;
	}
	if ((r->n + 1) * 2 > r->index_cap &&
	    index_rebuild(r, r->index_cap ? r->index_cap * 2 : 512))
		return NULL;
	s = calloc(1, sizeof(*s) + nb * sizeof(s->buckets[0]));
	if (!s)
		return NULL;
	s->labels = strdup(labels);
	if (!s->labels) {
		free(s);
		return NULL;
	}
	s->family = fam;
	r->series[r->n++] = s;
	{
		size_t mask = r->index_cap - 1, h = series_hash(fam, labels) & mask;

		while (r->index[h])
			h = (h + 1) & mask;
		r->index[h] = (uint32_t)r->n;
	}
	return s;
}

/* The series, created when @create; marks it fed by this generation. */
struct prom_series *prom_series_get(struct prom_registry *r, enum family_id fam, const char *labels,
				    bool create)
{
	struct prom_series *s = series_find(r, fam, labels);

	if (!s && create)
		s = series_create(r, fam, labels);
	if (s) {
		if (prom_families[fam].kind == KIND_GAUGE && s->gen != r->gen)
			s->gauge = 0; /* gauges are levels of this interval, summed over its pids */
		s->gen = r->gen;
		s->last_ns = r->now_ns;
	}
	return s;
}

static bool series_stale(const struct prom_registry *r, const struct prom_series *s)
{
	return s->last_ns + PROM_STALE_NS < r->now_ns;
}

void prom_series_expire(struct prom_registry *r)
{
	size_t kept = 0, stale = 0;
	uint32_t *index;

	if (r->now_ns < PROM_STALE_NS)
		return;
	for (size_t i = 0; i < r->n; i++)
		stale += series_stale(r, r->series[i]);
	if (!stale)
		return;
	/* The index is rebuilt after compaction; without memory, expire later. */
	index = calloc(r->index_cap, sizeof(*index));
	if (!index)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct prom_series *s = r->series[i];

		if (series_stale(r, s)) {
			free(s->labels);
			free(s);
			continue;
		}
		r->series[kept++] = s;
	}
	r->n = kept;
	index_fill(r, index, r->index_cap);
}

struct prom_registry *prom_registry_new(bool per_pid_labels)
{
	struct prom_registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->per_pid = per_pid_labels;
	/* A kernel bucket counts under the first bound that holds all of its
	 * values: never more than the true count under any `le`. */
	for (uint32_t slot = 0; slot < HIST_NSLOTS; slot++) {
		uint64_t high = hist_slot_highest(slot);
		size_t b = 0;

		while (b < N_BOUNDS && prom_le_bounds[b].ns < high)
			b++;
		r->slot_bucket[slot] = (uint8_t)b;
	}
	return r;
}

void prom_registry_free(struct prom_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->series[i]->labels);
		free(r->series[i]);
	}
	free(r->series);
	free(r->index);
	free(r);
}
