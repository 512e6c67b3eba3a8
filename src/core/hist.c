// SPDX-License-Identifier: GPL-2.0
/* Sparse log-linear histograms: merge and percentile extraction. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "bpf/hist.h"

/* The one place userspace reads the kernel's bucket math; consumers use
 * the functions below. */
_Static_assert(HIST_NSLOTS == HIST_SLOTS, "bucket count differs from bpf/hist.h");
_Static_assert(HIST_OCTAVES *HIST_SUB == HIST_SLOTS, "octave size differs from bpf/hist.h");

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_free(struct hist *h)
{
	free(h->bins);
	hist_init(h);
}

void hist_reset(struct hist *h)
{
	h->n = 0;
	h->count = h->sum_ns = h->max_ns = h->min_ns = 0;
}

static int hist_reserve(struct hist *h, uint32_t need)
{
	struct hist_bin *bins;
	uint32_t cap;

	if (need <= h->cap)
		return 0;
	cap = h->cap ? h->cap * 2 : 8;
	while (cap < need)
		cap *= 2;
	bins = realloc(h->bins, cap * sizeof(*bins));
	if (!bins)
		return -ENOMEM;
	h->bins = bins;
	h->cap = cap;
	return 0;
}

/* Index of the first bin whose slot is >= @slot. */
static uint32_t hist_find(const struct hist *h, uint32_t slot)
{
	uint32_t lo = 0, hi = h->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (h->bins[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int hist_add_slot(struct hist *h, uint32_t slot, uint64_t count)
{
	uint32_t i;

	if (!count)
		return 0;
	if (slot >= HIST_SLOTS)
		slot = HIST_SLOTS - 1;
	i = hist_find(h, slot);
	if (i < h->n && h->bins[i].slot == slot) {
		h->bins[i].count += count;
		return 0;
	}
	if (hist_reserve(h, h->n + 1))
		return -ENOMEM;
	memmove(&h->bins[i + 1], &h->bins[i], (h->n - i) * sizeof(h->bins[0]));
	h->bins[i].slot = slot;
	h->bins[i].count = count;
	h->n++;
	return 0;
}

int hist_record(struct hist *h, uint64_t value_ns)
{
	bool empty = h->n == 0;

	if (hist_add_slot(h, hist_slot(value_ns), 1))
		return -ENOMEM;
	if (empty || (h->min_ns && value_ns < h->min_ns))
		h->min_ns = value_ns;
	h->count++;
	h->sum_ns += value_ns;
	if (value_ns > h->max_ns)
		h->max_ns = value_ns;
	return 0;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	/* The min stays known only when both sides know theirs. */
	if (!dst->n)
		dst->min_ns = src->min_ns;
	else if (src->n && (!dst->min_ns || !src->min_ns))
		dst->min_ns = 0;
	else if (src->n && src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	for (uint32_t i = 0; i < src->n; i++)
		if (hist_add_slot(dst, src->bins[i].slot, src->bins[i].count))
			return -ENOMEM;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	return 0;
}

int hist_copy(struct hist *dst, const struct hist *src)
{
	hist_reset(dst);
	return hist_merge(dst, src);
}

uint64_t scale_count(uint64_t n, double factor)
{
	return (uint64_t)((double)n * factor + 0.5);
}

void hist_scale(struct hist *h, double factor)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->bins[i].count = scale_count(h->bins[i].count, factor);
	h->count = scale_count(h->count, factor);
	h->sum_ns = scale_count(h->sum_ns, factor);
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t total = 0, rank, seen = 0, mid;
	uint32_t i;

	for (i = 0; i < h->n; i++)
		total += h->bins[i].count;
	if (!total)
		return 0;
	if (q <= 0)
		q = 0;
	if (q >= 1)
		q = 1;
	/* Nearest rank: the smallest sample with at least q of them at or below it. */
	rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < h->n; i++) {
		seen += h->bins[i].count;
		if (seen >= rank)
			break;
	}
	if (i == h->n)
		i = h->n - 1;
	/* The last slot also holds everything past the log-linear range (hours
	 * blocked in read or wait4): its midpoint says nothing, the max does. */
	if (h->bins[i].slot == HIST_SLOTS - 1 && h->max_ns >= 1ULL << (HIST_MAX_LOG + 1))
		return h->max_ns;
	mid = hist_slot_low(h->bins[i].slot) + hist_slot_width(h->bins[i].slot) / 2;
	if (h->max_ns && mid > h->max_ns)
		mid = h->max_ns;
	if (h->min_ns && mid < h->min_ns)
		mid = h->min_ns;
	return mid;
}

uint64_t hist_mean(const struct hist *h)
{
	return h->count ? h->sum_ns / h->count : 0;
}

uint32_t hist_slot_of(uint64_t value_ns)
{
	return hist_slot(value_ns);
}

uint64_t hist_slot_highest(uint32_t slot)
{
	return hist_slot_high(slot < HIST_SLOTS ? slot : HIST_SLOTS - 1);
}

uint32_t hist_slot_octave(uint32_t slot)
{
	return (slot < HIST_SLOTS ? slot : HIST_SLOTS - 1) / HIST_SUB;
}

uint64_t hist_octave_lowest(uint32_t octave)
{
	return octave ? (uint64_t)HIST_SUB << (octave - 1) : 0;
}

void hist_window_extremes(struct hist *h, uint64_t max_now, uint64_t max_before, uint64_t min_now,
			  uint64_t min_before)
{
	uint64_t bound;

	if (!h->n)
		return;
	if (max_now > max_before) {
		bound = max_now;
	} else {
		bound = hist_slot_high(h->bins[h->n - 1].slot);
		if (max_now && max_now < bound)
			bound = max_now;
	}
	if (bound > h->max_ns)
		h->max_ns = bound;
	if (min_now && (!min_before || min_now < min_before)) {
		bound = min_now;
	} else {
		bound = hist_slot_low(h->bins[0].slot);
		if (min_now > bound)
			bound = min_now;
	}
	if (!h->min_ns || bound < h->min_ns)
		h->min_ns = bound;
}
