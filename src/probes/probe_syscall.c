// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall probe module: loads bpf/syscall.bpf.c and turns its cumulative
 * per-(process, syscall) counters and histogram buckets into per-interval
 * deltas in the snapshot.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/bpfmap.h"
#include "kernel/counters.h"
#include "kernel/dead_tgids.h"
#include "kernel/loader.h"
#include "probes/probe.h"
#include "syscall.skel.h"
#include "util/u64map.h"
#include "bpf/hist.h"

/* The leading counters of struct syscall_val: count, errors, weight, total_ns. */
#define N_COUNTERS 4
_Static_assert(offsetof(struct syscall_val, total_ns) == (N_COUNTERS - 1) * sizeof(__u64),
	       "struct syscall_val no longer starts with its counters");

struct syscall_probe {
	struct syscall_bpf *skel;
	struct ring_buffer *events;
	struct u64map prev_stats; /* (tgid, nr) -> struct syscall_val */
	struct u64map prev_hist;  /* (tgid, nr, slot) -> u64 */
	struct dead_tgids dead;
	uint64_t *doomed; /* keys to delete after this collect */
	size_t n_doomed, cap_doomed;
	uint64_t prev_lost;
	int64_t mono_to_real_ns;
	struct snapshot *snap; /* valid during collect only */
	int err;
};

static uint64_t stat_key(uint32_t tgid, uint32_t nr)
{
	return (uint64_t)tgid << 32 | nr;
}

static uint64_t hist_key(const struct syscall_hist_key *k)
{
	return (uint64_t)k->tgid << 32 | (uint32_t)k->nr << 16 | k->slot;
}

static int64_t mono_to_real_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

static int on_slow_event(void *ctx, void *data, size_t size)
{
	struct syscall_probe *sp = ctx;
	const struct slow_syscall_event *e = data;
	struct proc_snapshot *p;
	struct slow_call call;

	if (size < sizeof(*e) || e->kind != EVENT_SLOW_SYSCALL)
		return 0;
	p = snapshot_proc(sp->snap, e->tgid);
	if (!p)
		return -ENOMEM;
	call.tid = e->tid;
	call.nr = e->nr;
	call.ret = e->ret;
	call.latency_ns = e->latency_ns;
	call.end_ns = e->end_ns + sp->mono_to_real_ns;
	proc_add_slow(p, &call);
	return 0;
}

static void probe_close(void *state)
{
	struct syscall_probe *sp = state;

	if (!sp)
		return;
	ring_buffer__free(sp->events);
	syscall_bpf__destroy(sp->skel);
	u64map_free(&sp->prev_stats);
	u64map_free(&sp->prev_hist);
	dead_tgids_free(&sp->dead);
	free(sp->doomed);
	free(sp);
}

static int probe_open(const struct probe_opts *opts, void **state)
{
	struct syscall_probe *sp = calloc(1, sizeof(*sp));
	int err = -ENOMEM;

	if (!sp)
		return -ENOMEM;
	if (u64map_init(&sp->prev_stats, sizeof(struct syscall_val)) ||
	    u64map_init(&sp->prev_hist, sizeof(uint64_t)) || dead_tgids_init(&sp->dead))
		goto fail;
	sp->skel = syscall_bpf__open();
	if (!sp->skel) {
		err = loader_report("syscall", "open", -errno);
		goto fail;
	}
	PROBE_SET_FILTER(sp->skel->rodata, &opts->filter);
	sp->skel->rodata->exact = opts->exact;
	sp->skel->rodata->slow_ns = opts->slow_ns;
	bpf_map__set_max_entries(sp->skel->maps.syscall_stats, opts->max_procs * 16);
	bpf_map__set_max_entries(sp->skel->maps.syscall_hists, opts->max_procs * 128);
	err = syscall_bpf__load(sp->skel);
	if (err) {
		err = loader_report("syscall", "load", err);
		goto fail;
	}
	err = syscall_bpf__attach(sp->skel);
	if (err) {
		err = loader_report("syscall", "attach", err);
		goto fail;
	}
	sp->events =
		ring_buffer__new(bpf_map__fd(sp->skel->maps.slow_events), on_slow_event, sp, NULL);
	if (!sp->events) {
		err = loader_report("syscall", "ring buffer", -errno);
		goto fail;
	}
	sp->mono_to_real_ns = mono_to_real_offset();
	*state = sp;
	return 0;
fail:
	probe_close(sp);
	return err;
}

/* Queues @key for deletion when its process's data is final. */
static void note_liveness(struct syscall_probe *sp, uint32_t tgid, uint64_t key)
{
	int final = dead_tgids_final(&sp->dead, tgid);

	if (final < 0) {
		sp->err = final;
		return;
	}
	if (final) {
		if (sp->n_doomed == sp->cap_doomed) {
			size_t cap = sp->cap_doomed ? sp->cap_doomed * 2 : 256;
			uint64_t *grown = realloc(sp->doomed, cap * sizeof(*grown));

			if (!grown) {
				sp->err = -ENOMEM;
				return;
			}
			sp->doomed = grown;
			sp->cap_doomed = cap;
		}
		sp->doomed[sp->n_doomed++] = key;
	}
}

static void visit_stat(const void *k, const void *v, void *ctx)
{
	const struct syscall_key *key = k;
	const struct syscall_val *val = v;
	struct syscall_probe *sp = ctx;
	uint64_t id = stat_key(key->tgid, key->nr), d[N_COUNTERS], max_before;
	struct syscall_val *prev = u64map_upsert(&sp->prev_stats, id);
	struct proc_snapshot *p;
	struct syscall_stat *sc;
	bool restart;

	if (!prev) {
		sp->err = -ENOMEM;
		return;
	}
	note_liveness(sp, key->tgid, id);
	max_before = prev->max_ns;
	/* __u64 and uint64_t differ in name only. */
	restart = counters_delta((const uint64_t *)&val->count, (uint64_t *)&prev->count, NULL,
				 NULL, d, N_COUNTERS);
	prev->max_ns = val->max_ns;
	if (!d[0] && !d[1] && !d[2])
		return;
	p = snapshot_proc(sp->snap, key->tgid);
	sc = p ? proc_syscall(p, key->nr) : NULL;
	if (!sc) {
		sp->err = -ENOMEM;
		return;
	}
	sc->count += d[0];
	sc->errors += d[1];
	sc->lat.count += d[2];
	sc->lat.sum_ns += d[3];
	/* The kernel keeps an all-time max: exact when it grew this window. */
	if (val->max_ns > (restart ? 0 : max_before))
		sc->lat.max_ns = val->max_ns;
}

static void visit_hist(const void *k, const void *v, void *ctx)
{
	const struct syscall_hist_key *key = k;
	struct syscall_probe *sp = ctx;
	uint64_t id = hist_key(key), count = *(const uint64_t *)v, d;
	uint64_t *prev = u64map_upsert(&sp->prev_hist, id);
	struct proc_snapshot *p;
	struct syscall_stat *sc;

	if (!prev) {
		sp->err = -ENOMEM;
		return;
	}
	note_liveness(sp, key->tgid, id | 1ULL << 63);
	counters_delta(&count, prev, NULL, NULL, &d, 1);
	if (!d)
		return;
	p = snapshot_proc(sp->snap, key->tgid);
	sc = p ? proc_syscall(p, key->nr) : NULL;
	if (!sc || hist_add_slot(&sc->lat, key->slot, d))
		sp->err = -ENOMEM;
}

/* Without a new all-time max, the window's max is the top bucket's bound. */
static void estimate_window_max(struct syscall_probe *sp, struct snapshot *snap)
{
	for (size_t i = 0; i < snap->n_procs; i++) {
		struct proc_snapshot *p = &snap->procs[i];

		for (size_t j = 0; j < p->n_syscalls; j++) {
			struct syscall_stat *sc = &p->syscalls[j];
			const struct syscall_val *cum;
			uint32_t top;
			uint64_t bound;

			if (sc->lat.max_ns || !sc->lat.n)
				continue;
			top = sc->lat.bins[sc->lat.n - 1].slot;
			bound = hist_slot_high(top);
			cum = u64map_get(&sp->prev_stats, stat_key(p->pid, sc->nr));
			sc->lat.max_ns = cum && cum->max_ns < bound ? cum->max_ns : bound;
		}
	}
}

static void forget_dead(struct syscall_probe *sp)
{
	int stats_fd = bpf_map__fd(sp->skel->maps.syscall_stats);
	int hists_fd = bpf_map__fd(sp->skel->maps.syscall_hists);

	for (size_t i = 0; i < sp->n_doomed; i++) {
		uint64_t id = sp->doomed[i];

		if (id >> 63) {
			struct syscall_hist_key k = {
				.tgid = (uint32_t)(id >> 32) & 0x7fffffff,
				.nr = (uint16_t)(id >> 16),
				.slot = (uint16_t)id,
			};

			bpf_map_delete_elem(hists_fd, &k);
			u64map_delete(&sp->prev_hist, id & ~(1ULL << 63));
		} else {
			struct syscall_key k = {.tgid = (uint32_t)(id >> 32), .nr = (uint32_t)id};

			bpf_map_delete_elem(stats_fd, &k);
			u64map_delete(&sp->prev_stats, id);
		}
	}
	sp->n_doomed = 0;
	if (dead_tgids_rotate(&sp->dead))
		sp->err = -ENOMEM;
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct syscall_probe *sp = state;
	int err;

	sp->snap = snap;
	sp->err = 0;
	if (ring_buffer__consume(sp->events) < 0)
		sp->err = -EIO;
	err = bpfmap_for_each(bpf_map__fd(sp->skel->maps.syscall_stats), sizeof(struct syscall_key),
			      sizeof(struct syscall_val), visit_stat, sp);
	if (!err)
		err = bpfmap_for_each(bpf_map__fd(sp->skel->maps.syscall_hists),
				      sizeof(struct syscall_hist_key), sizeof(uint64_t), visit_hist,
				      sp);
	estimate_window_max(sp, snap);
	forget_dead(sp);
	snap->lost_events += sp->skel->bss->lost_events - sp->prev_lost;
	sp->prev_lost = sp->skel->bss->lost_events;
	sp->snap = NULL;
	return err ? err : sp->err;
}

const struct probe_module syscall_probe = {
	.name = "syscall",
	.set = PROBE_SYSCALL,
	.open = probe_open,
	.collect = probe_collect,
	.close = probe_close,
};
