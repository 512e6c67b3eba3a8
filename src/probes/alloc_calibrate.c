// SPDX-License-Identifier: GPL-2.0
/* The cost the allocation probes add to the latency they measure. */
#include <errno.h>
#include <linux/types.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "alloc.skel.h"
#include "probes/alloc_attach.h"
#include "probes/alloc_calibrate.h"
#include "util/clock.h"
#include "kernel/flipmap.h"
#include "bpf/hivemon.h"
#include "bpf/hist.h"

/* The interquartile mean of 4000 probed calls is within a few percent of
 * that of 20000 here, at a fifth of the time (~6 us per probed pair). */
#define CALIBRATION_CALLS 4000
#define BASELINE_CALLS	  200000
#define CALIBRATION_SIZE  64

/* Per-bucket (slot, count, total) of one process, for calibration. */
struct buckets {
	uint32_t tgid;
	struct hist_bucket by_slot[HIST_SLOTS];
};

static int collect_buckets(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	const struct tgid_slot_key *k = key;
	struct buckets *b = ctx;

	if (k->tgid != b->tgid || k->slot >= HIST_SLOTS)
		return 0;
	for (int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct hist_bucket *v = flipmap_cpu_value(m, values, cpu);

		b->by_slot[k->slot].count += v->count;
		b->by_slot[k->slot].total_ns += v->total_ns;
	}
	return 0;
}

static int ignore_entry(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	return 0;
}

/* Mean of the samples ranked between the first and third quartile: as
 * steady as the median, but exact to the ns rather than to a bucket. */
static uint64_t interquartile_mean(const struct buckets *b)
{
	uint64_t total = 0, seen = 0, lo, hi, n = 0;
	double sum = 0;

	for (size_t s = 0; s < HIST_SLOTS; s++)
		total += b->by_slot[s].count;
	lo = total / 4;
	hi = total - total / 4;
	for (size_t s = 0; s < HIST_SLOTS && seen < hi; s++) {
		const struct hist_bucket *h = &b->by_slot[s];
		uint64_t from = seen, to = seen + h->count, take;

		seen = to;
		if (!h->count || to <= lo)
			continue;
		take = (to < hi ? to : hi) - (from > lo ? from : lo);
		sum += (double)h->total_ns / (double)h->count * (double)take;
		n += take;
	}
	return n ? (uint64_t)(sum / (double)n) : 0;
}

/* ns per malloc+free pair of @calls pairs in this process. */
static uint64_t time_pairs(unsigned int calls)
{
	/* Through volatile pointers so the compiler keeps every call. */
	void *(*volatile do_malloc)(size_t) = malloc;
	void (*volatile do_free)(void *) = free;
	uint64_t start = mono_ns();

	for (unsigned int i = 0; i < calls; i++)
		do_free(do_malloc(CALIBRATION_SIZE));
	return (mono_ns() - start) / calls;
}

int alloc_calibrate(struct alloc_bpf *skel, struct flipmap *stats, struct flipmap *hists,
		    uint64_t *cost_ns)
{
	struct alloc_attachment self;
	struct buckets *b = calloc(1, sizeof(*b));
	uint64_t bare, probed;
	int which, err;

	if (!b)
		return -ENOMEM;
	err = alloc_locate(&self, (uint32_t)getpid());
	if (err)
		goto out;
	time_pairs(BASELINE_CALLS / 10); /* warm up */
	bare = time_pairs(BASELINE_CALLS);
	err = alloc_attach(skel, &self);
	if (err)
		goto out;
	alloc_set_counting(skel, true);
	time_pairs(CALIBRATION_CALLS);
	alloc_set_counting(skel, false);
	alloc_detach(&self);
	which = flipmap_flip(stats, &skel->bss->gen);
	if (which < 0) {
		err = which;
		goto out;
	}
	b->tgid = self.pid;
	err = flipmap_drain(hists, which, collect_buckets, b);
	if (!err)
		err = flipmap_drain(stats, which, ignore_entry, NULL);
	if (err)
		goto out;
	probed = interquartile_mean(b);
	/* A malloc is about half of a pair. */
	*cost_ns = probed > bare / 2 ? probed - bare / 2 : 0;
out:
	free(b);
	return err;
}
