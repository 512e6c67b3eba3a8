// SPDX-License-Identifier: GPL-2.0
/* Rolling 1 s / 10 s / 1 min windows merged from interval snapshots. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

#define NS_PER_SEC 1000000000ULL

struct windows {
	size_t per_1s;	 /* intervals in the 1 s window */
	size_t per_10s;	 /* intervals in the 10 s window, and in a block */
	size_t n_blocks; /* 10 s blocks in the 1 min window */

	struct snapshot *ring; /* last per_10s intervals */
	size_t ring_head, ring_n;

	struct snapshot block; /* the block being filled */
	size_t block_n;
	struct snapshot *blocks; /* completed blocks, ring of n_blocks */
	size_t blocks_head, blocks_n;

	struct snapshot merged[WINDOW_SPANS];
	bool merged_valid[WINDOW_SPANS];
};

static size_t intervals_in(uint64_t span_ns, uint64_t interval_ns)
{
	size_t n = (size_t)((span_ns + interval_ns / 2) / interval_ns);

	return n ? n : 1;
}

uint64_t window_span_ns(enum window_span span)
{
	static const uint64_t spans[WINDOW_SPANS] = {NS_PER_SEC, 10 * NS_PER_SEC, 60 * NS_PER_SEC};

	return spans[span];
}

enum window_span window_span_for(uint64_t window_ns, uint64_t for_ns)
{
	if (window_ns == NS_PER_SEC)
		return WINDOW_1S;
	if (window_ns == 10 * NS_PER_SEC)
		return WINDOW_10S;
	if (window_ns == 60 * NS_PER_SEC || for_ns >= 60 * NS_PER_SEC)
		return WINDOW_1M;
	return WINDOW_10S;
}

struct windows *windows_new(uint64_t interval_ns)
{
	struct windows *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->per_1s = intervals_in(NS_PER_SEC, interval_ns);
	w->per_10s = intervals_in(10 * NS_PER_SEC, interval_ns);
	if (w->per_1s > w->per_10s)
		w->per_1s = w->per_10s;
	w->n_blocks = intervals_in(60 * NS_PER_SEC, interval_ns * w->per_10s);
	w->ring = calloc(w->per_10s, sizeof(*w->ring));
	w->blocks = calloc(w->n_blocks, sizeof(*w->blocks));
	if (!w->ring || !w->blocks) {
		windows_free(w);
		return NULL;
	}
	return w;
}

static void invalidate(struct windows *w)
{
	for (int s = 0; s < WINDOW_SPANS; s++) {
		snapshot_free(&w->merged[s]);
		w->merged_valid[s] = false;
	}
}

void windows_free(struct windows *w)
{
	if (!w)
		return;
	invalidate(w);
	for (size_t i = 0; w->ring && i < w->per_10s; i++)
		snapshot_free(&w->ring[i]);
	for (size_t i = 0; w->blocks && i < w->n_blocks; i++)
		snapshot_free(&w->blocks[i]);
	snapshot_free(&w->block);
	free(w->ring);
	free(w->blocks);
	free(w);
}

/* The i-th newest interval (0 = latest). */
static const struct snapshot *ring_at(const struct windows *w, size_t i)
{
	return &w->ring[(w->ring_head + w->per_10s - 1 - i) % w->per_10s];
}

int windows_push(struct windows *w, struct snapshot *snap)
{
	struct snapshot *slot = &w->ring[w->ring_head];

	invalidate(w);
	if (snapshot_merge(&w->block, snap))
		return -ENOMEM;
	if (++w->block_n == w->per_10s) {
		snapshot_free(&w->blocks[w->blocks_head]);
		w->blocks[w->blocks_head] = w->block;
		w->blocks_head = (w->blocks_head + 1) % w->n_blocks;
		if (w->blocks_n < w->n_blocks)
			w->blocks_n++;
		snapshot_init(&w->block);
		w->block_n = 0;
	}
	snapshot_free(slot);
	*slot = *snap;
	snapshot_init(snap);
	w->ring_head = (w->ring_head + 1) % w->per_10s;
	if (w->ring_n < w->per_10s)
		w->ring_n++;
	return 0;
}

const struct snapshot *windows_latest(const struct windows *w)
{
	return w->ring_n ? ring_at(w, 0) : NULL;
}

static int merge_intervals(struct windows *w, struct snapshot *dst, size_t n)
{
	for (size_t i = n < w->ring_n ? n : w->ring_n; i-- > 0;)
		if (snapshot_merge(dst, ring_at(w, i)))
			return -ENOMEM;
	return 0;
}

/* The completed blocks that, with the block being filled, span ~1 min. */
static int merge_blocks(struct windows *w, struct snapshot *dst)
{
	size_t want = w->block_n ? w->n_blocks - 1 : w->n_blocks;

	if (want > w->blocks_n)
		want = w->blocks_n;
	for (size_t i = want; i-- > 0;) {
		size_t at = (w->blocks_head + w->n_blocks - 1 - i) % w->n_blocks;

		if (snapshot_merge(dst, &w->blocks[at]))
			return -ENOMEM;
	}
	return w->block_n ? snapshot_merge(dst, &w->block) : 0;
}

const struct snapshot *windows_get(struct windows *w, enum window_span span)
{
	struct snapshot *dst = &w->merged[span];
	int err;

	if (!w->ring_n)
		return NULL;
	if (span == WINDOW_1S && w->per_1s == 1)
		return ring_at(w, 0);
	if (w->merged_valid[span])
		return dst;
	if (span == WINDOW_1M)
		err = merge_blocks(w, dst);
	else
		err = merge_intervals(w, dst, span == WINDOW_1S ? w->per_1s : w->per_10s);
	if (err) {
		snapshot_free(dst);
		return NULL;
	}
	w->merged_valid[span] = true;
	return dst;
}
