// SPDX-License-Identifier: GPL-2.0
/*
 * Reads the proto probe's hot rows as deltas (app_hot.h). The per-CPU
 * values of a row are summed, then compared with the sums of the last
 * read, kept per row together with the key they belonged to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "probes/app_hot.h"

struct app_hot_seen {
	bool held; /* the row held key at the last read */
	struct app_stat_key key;
	struct app_stat_val val;
	uint64_t hist[HIST_SLOTS];
};

int app_hot_init(struct app_hot *h, int owners_fd, int rows_fd, uint32_t n, int ncpus)
{
	memset(h, 0, sizeof(*h));
	h->owners_fd = owners_fd;
	h->rows_fd = rows_fd;
	h->n = n;
	h->ncpus = ncpus;
	h->cpus = calloc(ncpus, sizeof(*h->cpus));
	h->seen = calloc(n, sizeof(*h->seen));
	if (!h->cpus || !h->seen) {
		app_hot_free(h);
		return -ENOMEM;
	}
	return 0;
}

void app_hot_free(struct app_hot *h)
{
	free(h->cpus);
	free(h->seen);
	h->cpus = NULL;
	h->seen = NULL;
}

void app_val_merge(struct app_stat_val *sum, const struct app_stat_val *v)
{
	sum->count += v->count;
	sum->errors += v->errors;
	sum->hits += v->hits;
	sum->misses += v->misses;
	sum->sum_ns += v->sum_ns;
	if (v->max_ns > sum->max_ns)
		sum->max_ns = v->max_ns;
	if (v->min_ns && (!sum->min_ns || v->min_ns < sum->min_ns))
		sum->min_ns = v->min_ns;
}

static void sum_cpus(const struct app_hot *h, struct app_stat_val *val, uint64_t *hist)
{
	memset(val, 0, sizeof(*val));
	memset(hist, 0, sizeof(uint64_t) * HIST_SLOTS);
	for (int cpu = 0; cpu < h->ncpus; cpu++) {
		app_val_merge(val, &h->cpus[cpu].val);
		for (int s = 0; s < HIST_SLOTS; s++)
			hist[s] += h->cpus[cpu].hist[s];
	}
}

/* Zeroes row @i, then gives it up: the next key to claim it starts from
 * nothing. */
static int free_row(struct app_hot *h, uint32_t i)
{
	static const struct app_hot_owner free_owner;

	memset(h->cpus, 0, sizeof(*h->cpus) * h->ncpus);
	if (bpf_map_update_elem(h->rows_fd, &i, h->cpus, BPF_ANY) ||
	    bpf_map_update_elem(h->owners_fd, &i, &free_owner, BPF_ANY))
		return -errno;
	h->seen[i].held = false;
	return 0;
}

static int read_row(struct app_hot *h, uint32_t i, struct app_hot_delta *d,
		    int (*add)(const struct app_hot_delta *d, void *ctx),
		    bool (*gone)(uint32_t tgid, void *ctx), void *ctx)
{
	struct app_hot_seen *seen = &h->seen[i];
	struct app_hot_owner owner;
	int err;

	if (bpf_map_lookup_elem(h->owners_fd, &i, &owner))
		return -errno;
	if (owner.state != HOT_READY) {
		seen->held = false;
		return 0;
	}
	if (bpf_map_lookup_elem(h->rows_fd, &i, h->cpus))
		return -errno;
	if (!seen->held || memcmp(&seen->key, &owner.key, sizeof(owner.key))) {
		memset(seen, 0, sizeof(*seen));
		seen->held = true;
		seen->key = owner.key;
	}
	d->key = owner.key;
	d->before = seen->val;
	sum_cpus(h, &d->now, d->hist);
	for (int s = 0; s < HIST_SLOTS; s++) {
		uint64_t now = d->hist[s];

		d->hist[s] = now - seen->hist[s];
		seen->hist[s] = now;
	}
	seen->val = d->now;
	if (d->now.count != d->before.count) {
		err = add(d, ctx);
		if (err)
			return err;
	}
	return gone(owner.key.tgid, ctx) ? free_row(h, i) : 0;
}

int app_hot_read(struct app_hot *h, int (*add)(const struct app_hot_delta *d, void *ctx),
		 bool (*gone)(uint32_t tgid, void *ctx), void *ctx)
{
	int err = 0;

	for (uint32_t i = 0; i < h->n && !err; i++)
		err = read_row(h, i, &h->delta, add, gone, ctx);
	return err;
}
