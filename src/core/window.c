// SPDX-License-Identifier: GPL-2.0
/* Rolling 1 s / 10 s / 1 min windows merged from interval snapshots. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/window.h"

#define NS_PER_SEC 1000000000ULL

struct windows {
	uint64_t interval_ns;
	size_t per_1s;	 /* intervals in the 1 s window */
	size_t per_10s;	 /* intervals in the 10 s window, and in a block */
	size_t n_blocks; /* 10 s blocks in the 1 min window */
	struct window_needs needs;

	struct snapshot *ring; /* last ring_len intervals; the latest is whole */
	size_t ring_len, ring_head, ring_n;

	struct snapshot block; /* the block being filled (1 min window only) */
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

/* ---- trimming intervals to what the rules read ---------------------------- */

static void drop_syscalls(struct proc_snapshot *p)
{
	for (size_t i = 0; i < p->n_syscalls; i++)
		hist_free(&p->syscalls[i].lat);
	free(p->syscalls);
	p->syscalls = NULL;
	p->n_syscalls = p->cap_syscalls = 0;
}

static void drop_remotes(struct tcp_remote_stat **arr, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < *n; i++)
		hist_free(&(*arr)[i].lat);
	free(*arr);
	*arr = NULL;
	*n = *cap = 0;
}

static void drop_tcp(struct proc_snapshot *p)
{
	drop_remotes(&p->tcp.connect, &p->tcp.n_connect, &p->tcp.cap_connect);
	drop_remotes(&p->tcp.rtt, &p->tcp.n_rtt, &p->tcp.cap_rtt);
	for (size_t i = 0; i < p->tcp.n_requests; i++)
		hist_free(&p->tcp.requests[i].lat);
	free(p->tcp.requests);
	p->tcp.requests = NULL;
	p->tcp.n_requests = p->tcp.cap_requests = 0;
	p->tcp.retransmits = 0;
	p->tcp.sample = 0;
}

static void trim_proc(struct proc_snapshot *p, unsigned int data)
{
	p->n_slow = 0;
	if (!(data & WDATA_SYSCALL))
		drop_syscalls(p);
	if (!(data & WDATA_TCP))
		drop_tcp(p);
	if (!(data & WDATA_SCHED)) {
		hist_free(&p->sched.runq);
		p->sched.oncpu_ns = 0;
	}
	if (!(data & WDATA_ALLOC)) {
		hist_free(&p->alloc.malloc.lat);
		memset(&p->alloc, 0, sizeof(p->alloc));
	}
	if (!(data & WDATA_APP))
		proc_free_app(p);
}

static bool has_data(const struct proc_snapshot *p, unsigned int data)
{
	return ((data & WDATA_SYSCALL) && p->n_syscalls) ||
	       ((data & WDATA_TCP) &&
		(p->tcp.n_connect || p->tcp.n_rtt || p->tcp.n_requests || p->tcp.retransmits)) ||
	       ((data & WDATA_SCHED) && (p->sched.runq.count || p->sched.oncpu_ns)) ||
	       ((data & WDATA_ALLOC) &&
		(p->alloc.rss_bytes || p->alloc.reclaim_count || p->alloc.has_malloc)) ||
	       ((data & WDATA_APP) && p->app.n_requests);
}

/* A process no rule can match, or without anything a rule reads this
 * interval, is left out. */
static bool proc_wanted(const struct window_needs *n, const struct proc_snapshot *p)
{
	if (!has_data(p, n->data))
		return false;
	if (n->all_procs)
		return true;
	for (size_t i = 0; i < n->n_comms; i++)
		if (!fnmatch(n->comms[i], p->comm, 0))
			return true;
	return false;
}

/*
 * Rebuilds @s with only the processes and data kinds of @n, moving the
 * records (no deep copies). A process that exited keeps an empty record
 * marked exited, so its alerts resolve at once rather than when its older
 * intervals leave the window.
 */
static void trim(struct snapshot *s, const struct window_needs *n)
{
	struct snapshot out;

	/* The whole header, so no field of it is forgotten; the records are
	 * moved in below. */
	out = *s;
	out.procs = NULL;
	out.n_procs = out.cap_procs = 0;
	out.index = NULL;
	out.index_cap = 0;
	for (size_t i = 0; i < s->n_procs; i++) {
		struct proc_snapshot *p = &s->procs[i], *q;

		if (!proc_wanted(n, p))
			continue;
		q = snapshot_proc(&out, p->pid);
		if (!q)
			break; /* out of memory: keep what moved so far */
		*q = *p;
		memset(p, 0, sizeof(*p));
		trim_proc(q, q->exited ? 0 : n->data);
	}
	snapshot_free(s);
	*s = out;
}

/* ---- lifetime ---------------------------------------------------------------- */

static int copy_needs(struct window_needs *dst, const struct window_needs *src)
{
	*dst = *src;
	dst->comms = calloc(src->n_comms ? src->n_comms : 1, sizeof(*dst->comms));
	if (!dst->comms)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_comms; i++)
		if (!(dst->comms[i] = strdup(src->comms[i])))
			return -ENOMEM;
	return 0;
}

bool windows_same_needs(const struct windows *w, uint64_t interval_ns, const struct window_needs *n)
{
	if (w->interval_ns != interval_ns || w->needs.spans != n->spans ||
	    w->needs.data != n->data || w->needs.all_procs != n->all_procs ||
	    w->needs.n_comms != n->n_comms)
		return false;
	for (size_t i = 0; i < n->n_comms; i++)
		if (strcmp(w->needs.comms[i], n->comms[i]))
			return false;
	return true;
}

struct windows *windows_new(uint64_t interval_ns, const struct window_needs *needs)
{
	struct windows *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->interval_ns = interval_ns;
	w->per_1s = intervals_in(NS_PER_SEC, interval_ns);
	w->per_10s = intervals_in(10 * NS_PER_SEC, interval_ns);
	if (w->per_1s > w->per_10s)
		w->per_1s = w->per_10s;
	w->n_blocks = intervals_in(60 * NS_PER_SEC, interval_ns * w->per_10s);
	w->ring_len = needs->spans & (1u << WINDOW_10S) ? w->per_10s : w->per_1s;
	w->ring = calloc(w->ring_len, sizeof(*w->ring));
	w->blocks = calloc(w->n_blocks, sizeof(*w->blocks));
	if (!w->ring || !w->blocks || copy_needs(&w->needs, needs)) {
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
	for (size_t i = 0; w->ring && i < w->ring_len; i++)
		snapshot_free(&w->ring[i]);
	for (size_t i = 0; w->blocks && i < w->n_blocks; i++)
		snapshot_free(&w->blocks[i]);
	snapshot_free(&w->block);
	for (size_t i = 0; w->needs.comms && i < w->needs.n_comms; i++)
		free(w->needs.comms[i]);
	free(w->needs.comms);
	free(w->ring);
	free(w->blocks);
	free(w);
}

/* ---- rolling ---------------------------------------------------------------- */

/* The i-th newest interval (0 = latest). */
static struct snapshot *ring_at(const struct windows *w, size_t i)
{
	return &w->ring[(w->ring_head + w->ring_len - 1 - i) % w->ring_len];
}

/* The interval that stops being the latest is trimmed and, for the 1 min
 * window, added to the block being filled. */
static int retire_latest(struct windows *w)
{
	struct snapshot *prev = ring_at(w, 0);

	trim(prev, &w->needs);
	if (!(w->needs.spans & (1u << WINDOW_1M)))
		return 0;
	if (snapshot_merge(&w->block, prev))
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
	return 0;
}

int windows_push(struct windows *w, struct snapshot *snap)
{
	struct snapshot *slot = &w->ring[w->ring_head];
	int err = 0;

	invalidate(w);
	if (w->ring_n)
		err = retire_latest(w);
	snapshot_free(slot);
	*slot = *snap;
	snapshot_init(snap);
	w->ring_head = (w->ring_head + 1) % w->ring_len;
	if (w->ring_n < w->ring_len)
		w->ring_n++;
	return err;
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

/* The completed blocks, the block being filled and the latest interval:
 * together the last 50 to 60 s. */
static int merge_minute(struct windows *w, struct snapshot *dst)
{
	size_t want = w->block_n ? w->n_blocks - 1 : w->n_blocks;

	if (want > w->blocks_n)
		want = w->blocks_n;
	for (size_t i = want; i-- > 0;) {
		size_t at = (w->blocks_head + w->n_blocks - 1 - i) % w->n_blocks;

		if (snapshot_merge(dst, &w->blocks[at]))
			return -ENOMEM;
	}
	if (w->block_n && snapshot_merge(dst, &w->block))
		return -ENOMEM;
	return snapshot_merge(dst, ring_at(w, 0));
}

const struct snapshot *windows_get(struct windows *w, enum window_span span)
{
	struct snapshot *dst = &w->merged[span];
	size_t n = span == WINDOW_1S ? w->per_1s : w->per_10s;
	int err;

	if (!w->ring_n)
		return NULL;
	if (span != WINDOW_1M && (n == 1 || w->ring_n == 1))
		return ring_at(w, 0);
	if (w->merged_valid[span])
		return dst;
	if (span == WINDOW_1M)
		err = merge_minute(w, dst);
	else
		err = merge_intervals(w, dst, n);
	if (err) {
		snapshot_free(dst);
		return NULL;
	}
	w->merged_valid[span] = true;
	return dst;
}
