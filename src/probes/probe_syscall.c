// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall probe module: loads bpf/syscall.bpf.c and turns its cumulative
 * per-(process, syscall) counters and histogram buckets into per-interval
 * deltas in the snapshot.
 *
 * Windows are exact: what threads still hold in their batches and
 * pending buckets (read with the task iterator), calls and latencies, is
 * added to what the maps hold. The maps are read first, the threads after,
 * and a batch flushed between the two reads is in neither: such a window is
 * short by that batch (at most FLUSH_EVERY calls of each racing thread),
 * never long, and the next window gets it (kernel/counters.h carries the
 * shortfall). The reverse order would count such a batch twice. Only a
 * thread stalled inside a flush (between adding its batch to the map and
 * emptying it) across both reads shows its batch in both: that window is
 * long by it and the next one short, the total stays exact. The records of
 * an exited process are deleted one interval after they were final, with
 * what reached them since (forget_dead).
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
#include "util/log.h"
#include "util/u64map.h"
#include "bpf/hist.h"
#include "bpf/syscall_shared.h"

_Static_assert(SYSCALL_SLOW_TOP == PROC_MAX_SLOW,
	       "the kernel sends as many slow calls per process as the report keeps");

/*
 * Calls a second past which a process has its threads' calls sampled, as a
 * thread's are past ~10 000 (bpf/syscall.bpf.c), and half of which it is
 * timed whole again. A server with a thread per connection makes hundreds
 * of thousands a second from threads each too slow to be sampled alone.
 */
#define HOT_PROC_CALLS 20000.0

/* The leading counters of struct syscall_val: count, errors, weight, total_ns. */
#define N_COUNTERS 4
_Static_assert(offsetof(struct syscall_val, total_ns) == (N_COUNTERS - 1) * sizeof(__u64),
	       "struct syscall_val no longer starts with its counters");

/* What was read of one (process, syscall) at the last collect. */
struct stat_seen {
	/* The map's record; max_ns: the largest call seen, map or held. */
	struct syscall_val val;
	uint64_t held_seen[N_COUNTERS]; /* batched calls already reported */
};

/* What the threads hold of one (process, syscall), this collect. */
struct stat_held {
	uint64_t counters[N_COUNTERS];
	uint64_t max_ns;
};

/* What was read of one histogram bucket at the last collect. */
struct bucket_seen {
	uint64_t count; /* the map's */
	uint64_t held_seen;
};

struct syscall_probe {
	struct syscall_bpf *skel;
	struct ring_buffer *events;
	struct bpf_link *batches; /* task iterator over what the threads hold */
	struct u64map prev_stats; /* (tgid, nr) -> struct stat_seen */
	struct u64map prev_hist;  /* (tgid, nr, slot) -> struct bucket_seen */
	/* This collect: */
	struct u64map now_stats; /* (tgid, nr) -> struct syscall_val */
	struct u64map now_hist;	 /* (tgid, nr, slot) -> u64 */
	struct u64map held;	 /* (tgid, nr) -> struct stat_held */
	struct u64map held_hist; /* (tgid, nr, slot) -> u64 */
	uint64_t probe_syscalls_seen;
	int ncpus;
	struct dead_tgids dead;
	uint64_t *doomed; /* keys to delete at the start of the next collect */
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

static uint64_t hist_key(uint32_t tgid, uint16_t nr, uint16_t slot)
{
	return (uint64_t)tgid << 32 | (uint32_t)nr << 16 | slot;
}

static struct syscall_hist_key hist_key_of(uint64_t id)
{
	return (struct syscall_hist_key){
		.tgid = (uint32_t)(id >> 32),
		.nr = (uint16_t)(id >> 16),
		.slot = (uint16_t)id,
	};
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
	bpf_link__destroy(sp->batches);
	syscall_bpf__destroy(sp->skel);
	u64map_free(&sp->prev_stats);
	u64map_free(&sp->prev_hist);
	u64map_free(&sp->now_stats);
	u64map_free(&sp->now_hist);
	u64map_free(&sp->held);
	u64map_free(&sp->held_hist);
	dead_tgids_free(&sp->dead);
	free(sp->doomed);
	free(sp);
}

static int probe_open(const struct probe_opts *opts, struct probe_shared *shared, void **state)
{
	struct syscall_probe *sp = calloc(1, sizeof(*sp));
	int err = -ENOMEM;

	if (!sp)
		return -ENOMEM;
	if (u64map_init(&sp->prev_stats, sizeof(struct stat_seen)) ||
	    u64map_init(&sp->prev_hist, sizeof(struct bucket_seen)) ||
	    u64map_init(&sp->now_stats, sizeof(struct syscall_val)) ||
	    u64map_init(&sp->now_hist, sizeof(uint64_t)) ||
	    u64map_init(&sp->held, sizeof(struct stat_held)) ||
	    u64map_init(&sp->held_hist, sizeof(uint64_t)) || dead_tgids_init(&sp->dead))
		goto fail;
	sp->ncpus = libbpf_num_possible_cpus();
	if (sp->ncpus <= 0) {
		err = sp->ncpus ? sp->ncpus : -EINVAL;
		goto fail;
	}
	sp->skel = syscall_bpf__open();
	if (!sp->skel) {
		err = loader_report("syscall", "open", -errno);
		goto fail;
	}
	PROBE_SET_FILTER(sp->skel->rodata, &opts->filter);
	sp->skel->rodata->exact = opts->exact;
	sp->skel->rodata->slow_ns = opts->slow_ns;
	sp->skel->rodata->own_uprobes = (opts->probes & PROBE_ALLOC) != 0;
	/* Run on demand by each collect, not attached to an event. */
	bpf_program__set_autoattach(sp->skel->progs.dump_batches, false);
	bpf_map__set_max_entries(sp->skel->maps.syscall_stats, opts->max_procs * 16);
	/* A process uses ~16 (syscall, bucket) pairs on an idle host, a busy
	 * server ~150; LRU takes the rest. Every collect walks all the
	 * buckets of this map, used or not: 2.2 ms at 128 per process, 0.8 at
	 * 32 (with 1200 used). */
	bpf_map__set_max_entries(sp->skel->maps.syscall_hists, opts->max_procs * 32);
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
	sp->batches = bpf_program__attach_iter(sp->skel->progs.dump_batches, NULL);
	if (!sp->batches) {
		err = loader_report("syscall", "task iterator", -errno);
		goto fail;
	}
	sp->events =
		ring_buffer__new(bpf_map__fd(sp->skel->maps.slow_events), on_slow_event, sp, NULL);
	if (!sp->events) {
		err = loader_report("syscall", "ring buffer", -errno);
		goto fail;
	}
	/* Attached now: the sched set's program may ride on ours. */
	err = probe_shared_keep(sp->skel->maps.switch_next, &shared->switch_next_fd);
	if (err) {
		err = loader_report("syscall", "attach", err);
		goto fail;
	}
	sp->mono_to_real_ns = mono_to_real_offset();
	*state = sp;
	return 0;
fail:
	probe_close(sp);
	return err;
}

/* Queues @key for deletion (forget_dead) when its process's data is final. */
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

/* Keeps a record of syscall_stats for accounting once the threads are read. */
static void store_stat(const void *k, const void *v, void *ctx)
{
	const struct syscall_key *key = k;
	struct syscall_probe *sp = ctx;
	struct syscall_val *val = u64map_upsert(&sp->now_stats, stat_key(key->tgid, key->nr));

	if (!val)
		sp->err = -ENOMEM;
	else
		*val = *(const struct syscall_val *)v;
}

/* Keeps a bucket of syscall_hists for accounting once the threads are read. */
static void store_bucket(const void *k, const void *v, void *ctx)
{
	const struct syscall_hist_key *key = k;
	struct syscall_probe *sp = ctx;
	uint64_t *count = u64map_upsert(&sp->now_hist, hist_key(key->tgid, key->nr, key->slot));

	if (!count)
		sp->err = -ENOMEM;
	else
		*count = *(const uint64_t *)v;
}

/* Adds one record of the task iterator to what the threads hold. */
static int add_held(struct syscall_probe *sp, const struct syscall_held *rec)
{
	struct stat_held *held;
	uint64_t *bucket;

	if (rec->slot != SYSCALL_HELD_BATCH) {
		bucket = u64map_upsert(&sp->held_hist, hist_key(rec->tgid, rec->nr, rec->slot));
		if (!bucket)
			return -ENOMEM;
		*bucket += rec->weight;
		return 0;
	}
	held = u64map_upsert(&sp->held, stat_key(rec->tgid, rec->nr));
	if (!held)
		return -ENOMEM;
	held->counters[0] += rec->count;
	held->counters[1] += rec->errors;
	held->counters[2] += rec->weight;
	held->counters[3] += rec->total_ns;
	if (rec->max_ns > held->max_ns)
		held->max_ns = rec->max_ns;
	return 0;
}

/* Runs the task iterator: what every thread holds outside the maps. */
static int read_held(struct syscall_probe *sp)
{
	struct syscall_held recs[128];
	size_t have = 0;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(sp->batches));
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got = read(fd, (char *)recs + have, sizeof(recs) - have);
		size_t n;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			err = got < 0 ? -errno : 0;
			break;
		}
		have += (size_t)got;
		n = have / sizeof(recs[0]);
		for (size_t i = 0; i < n && !err; i++)
			err = add_held(sp, &recs[i]);
		if (err)
			break;
		/* A record split between two reads waits for its end. */
		have -= n * sizeof(recs[0]);
		memmove(recs, &recs[n], have);
	}
	close(fd);
	return err;
}

/* The window's row of (@tgid, @nr), created if new; NULL on ENOMEM. */
static struct syscall_stat *row_of(struct syscall_probe *sp, uint32_t tgid, uint32_t nr)
{
	struct proc_snapshot *p = snapshot_proc(sp->snap, tgid);
	struct syscall_stat *sc = p ? proc_syscall(p, nr) : NULL;

	if (!sc)
		sp->err = -ENOMEM;
	return sc;
}

/* Adds @d (count, errors, weight, total_ns) to the window's row of
 * (@tgid, @nr); NULL on ENOMEM. */
static struct syscall_stat *add_to_row(struct syscall_probe *sp, uint32_t tgid, uint32_t nr,
				       const uint64_t d[N_COUNTERS])
{
	struct syscall_stat *sc = row_of(sp, tgid, nr);

	if (!sc)
		return NULL;
	sc->count += d[0];
	sc->errors += d[1];
	sc->lat.count += d[2];
	sc->lat.sum_ns += d[3];
	return sc;
}

/* The window's share of one (process, syscall): map (@now, NULL when it has
 * no record yet) + threads, as deltas. */
static void account_stat(struct syscall_probe *sp, uint64_t id, const void *now)
{
	struct stat_seen *seen = u64map_upsert(&sp->prev_stats, id);
	const struct stat_held *held = u64map_get(&sp->held, id);
	static const struct syscall_val zero;
	const struct syscall_val *val = now ? now : &zero;
	static const struct stat_held none;
	uint32_t tgid = (uint32_t)(id >> 32), nr = (uint32_t)id;
	uint64_t d[N_COUNTERS], max_before, max_now;
	struct syscall_stat *sc;
	bool restart;

	if (!seen) {
		sp->err = -ENOMEM;
		return;
	}
	if (!held)
		held = &none;
	note_liveness(sp, tgid, id);
	max_before = seen->val.max_ns;
	/* __u64 and uint64_t differ in name only. */
	restart = counters_delta((const uint64_t *)&val->count, (uint64_t *)&seen->val.count,
				 held->counters, seen->held_seen, d, N_COUNTERS);
	max_now = val->max_ns > held->max_ns ? val->max_ns : held->max_ns;
	if (!restart && max_before > max_now)
		max_now = max_before;
	seen->val.max_ns = max_now;
	if (!d[0] && !d[1] && !d[2])
		return;
	sc = add_to_row(sp, tgid, nr, d);
	if (!sc)
		return;
	/* The largest call seen so far, in the map or a batch read at every
	 * collect: exact for the window when it grew in it. */
	if (max_now > (restart ? 0 : max_before))
		sc->lat.max_ns = max_now;
}

/* Calls @account on every record read of a map (@now), then on what the
 * threads hold (@held) where the map has no record yet, with NULL. */
static void account_all(struct syscall_probe *sp, const struct u64map *now,
			const struct u64map *held,
			void (*account)(struct syscall_probe *, uint64_t, const void *))
{
	for (size_t i = 0; i < now->cap; i++) {
		const void *value = u64map_at(now, i);

		if (value)
			account(sp, now->keys[i], value);
	}
	for (size_t i = 0; i < held->cap; i++)
		if (u64map_at(held, i) && !u64map_get(now, held->keys[i]))
			account(sp, held->keys[i], NULL);
}

/* Adds @d calls to bucket @k->slot of the window's row of (@k->tgid, @k->nr). */
static void add_to_bucket(struct syscall_probe *sp, const struct syscall_hist_key *k, uint64_t d)
{
	struct syscall_stat *sc = row_of(sp, k->tgid, k->nr);

	if (sc && hist_add_slot(&sc->lat, k->slot, d))
		sp->err = -ENOMEM;
}

/* The window's share of one bucket: map (@now, NULL when it has no
 * bucket yet) + threads, as a delta. */
static void account_bucket(struct syscall_probe *sp, uint64_t id, const void *now)
{
	uint64_t count = now ? *(const uint64_t *)now : 0;
	struct bucket_seen *seen = u64map_upsert(&sp->prev_hist, id);
	const uint64_t *held = u64map_get(&sp->held_hist, id);
	struct syscall_hist_key key = hist_key_of(id);
	static const uint64_t none;
	uint64_t d;

	if (!seen) {
		sp->err = -ENOMEM;
		return;
	}
	note_liveness(sp, key.tgid, id | 1ULL << 63);
	counters_delta(&count, &seen->count, held ? held : &none, &seen->held_seen, &d, 1);
	if (d)
		add_to_bucket(sp, &key, d);
}

/* Without a new all-time max, the window's max is the top bucket's bound. */
static void estimate_window_max(struct syscall_probe *sp, struct snapshot *snap)
{
	for (size_t i = 0; i < snap->n_procs; i++) {
		struct proc_snapshot *p = &snap->procs[i];

		for (size_t j = 0; j < p->n_syscalls; j++) {
			struct syscall_stat *sc = &p->syscalls[j];
			const struct stat_seen *cum;
			uint32_t top;
			uint64_t bound;

			if (sc->lat.max_ns || !sc->lat.n)
				continue;
			top = sc->lat.bins[sc->lat.n - 1].slot;
			bound = hist_slot_high(top);
			cum = u64map_get(&sp->prev_stats, stat_key(p->pid, sc->nr));
			sc->lat.max_ns = cum && cum->val.max_ns < bound ? cum->val.max_ns : bound;
		}
	}
}

/* What reached a deleted syscall_stats record since it was last read. */
static void add_stat_residual(struct syscall_probe *sp, uint64_t id, const struct syscall_val *val)
{
	const struct stat_seen *seen = u64map_get(&sp->prev_stats, id);
	const __u64 *now = &val->count, *then;
	uint64_t d[N_COUNTERS];
	bool grew = false;

	if (!seen)
		return;
	then = &seen->val.count;
	for (int i = 0; i < N_COUNTERS; i++) {
		d[i] = now[i] > then[i] ? now[i] - then[i] : 0;
		grew |= d[i] != 0;
	}
	if (grew)
		add_to_row(sp, (uint32_t)(id >> 32), (uint32_t)id, d);
}

/* What reached a deleted syscall_hists bucket since it was last read. */
static void add_hist_residual(struct syscall_probe *sp, uint64_t id,
			      const struct syscall_hist_key *k, uint64_t count)
{
	const struct bucket_seen *seen = u64map_get(&sp->prev_hist, id);

	if (seen && count > seen->count)
		add_to_bucket(sp, k, count - seen->count);
}

/*
 * Deletes the records of processes found final at the last collect. It
 * runs one interval later, at the start of a collect, and takes each record
 * with what reached it since it was read (bpf_map_lookup_and_delete_elem):
 * a flush that came late, or the first calls of a new process that got
 * the same pid (pids wrap within seconds under process churn), are counted
 * in this window instead of being deleted with the record.
 */
static void forget_dead(struct syscall_probe *sp)
{
	int stats_fd = bpf_map__fd(sp->skel->maps.syscall_stats);
	int hists_fd = bpf_map__fd(sp->skel->maps.syscall_hists);

	for (size_t i = 0; i < sp->n_doomed; i++) {
		uint64_t id = sp->doomed[i];

		if (id >> 63) {
			struct syscall_hist_key k = hist_key_of(id &= ~(1ULL << 63));
			uint64_t count;

			if (!bpf_map_lookup_and_delete_elem(hists_fd, &k, &count))
				add_hist_residual(sp, id, &k, count);
			u64map_delete(&sp->prev_hist, id);
		} else {
			struct syscall_key k = {.tgid = (uint32_t)(id >> 32), .nr = (uint32_t)id};
			struct syscall_val val;

			if (!bpf_map_lookup_and_delete_elem(stats_fd, &k, &val))
				add_stat_residual(sp, id, &val);
			u64map_delete(&sp->prev_stats, id);
		}
	}
	sp->n_doomed = 0;
}

static double window_calls(const struct proc_snapshot *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->n_syscalls; i++)
		n += p->syscalls[i].count;
	return (double)n;
}

/*
 * Marks the processes whose call rate passed HOT_PROC_CALLS in the window
 * (in hot_procs, read by sys_enter) and unmarks those under half of it,
 * exited ones included. A process whose slot another holds stays timed
 * whole.
 */
static void mark_hot_procs(struct syscall_probe *sp, const struct snapshot *snap)
{
	double secs = snap->duration_ns / 1e9, rate;
	uint32_t *slots = sp->skel->bss->hot_procs;
	const struct proc_snapshot *p;

	if (secs <= 0)
		return;
	for (size_t i = 0; i < SYSCALL_HOT_PROC_SLOTS; i++) {
		if (!slots[i])
			continue;
		p = snapshot_find(snap, slots[i]);
		rate = p ? window_calls(p) / secs : 0;
		if (rate >= HOT_PROC_CALLS / 2)
			continue;
		if (p)
			hlog(LOG_INFO, "syscall: process %u: every call timed again (%.0f calls/s)",
			     slots[i], rate);
		slots[i] = 0;
	}
	for (size_t i = 0; i < snap->n_procs; i++) {
		p = &snap->procs[i];
		if (slots[p->pid % SYSCALL_HOT_PROC_SLOTS])
			continue;
		rate = window_calls(p) / secs;
		if (rate <= HOT_PROC_CALLS)
			continue;
		slots[p->pid % SYSCALL_HOT_PROC_SLOTS] = p->pid;
		hlog(LOG_INFO, "syscall: process %u: 1 call in %d timed (%.0f calls/s)", p->pid,
		     SYSCALL_SAMPLE_PERIOD, rate);
	}
}

/* The uprobe syscalls of the window: hivemon's cost, not the processes'. */
static int count_probe_syscalls(struct syscall_probe *sp, struct snapshot *snap)
{
	uint64_t *per_cpu = calloc((size_t)sp->ncpus, sizeof(*per_cpu)), sum = 0, d;
	uint32_t zero = 0;
	int err = 0;

	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(sp->skel->maps.probe_syscalls), &zero, per_cpu)) {
		err = -errno;
	} else {
		for (int cpu = 0; cpu < sp->ncpus; cpu++)
			sum += per_cpu[cpu];
		counters_delta(&sum, &sp->probe_syscalls_seen, NULL, NULL, &d, 1);
		snap->probe_syscalls += d;
	}
	free(per_cpu);
	return err;
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct syscall_probe *sp = state;
	int err;

	sp->snap = snap;
	sp->err = 0;
	u64map_clear(&sp->now_stats);
	u64map_clear(&sp->now_hist);
	u64map_clear(&sp->held);
	u64map_clear(&sp->held_hist);
	forget_dead(sp);
	/* Calls slower than the ones read now start a new top per process. */
	__atomic_add_fetch(&sp->skel->bss->slow_gen, 1, __ATOMIC_RELAXED);
	if (ring_buffer__consume(sp->events) < 0)
		sp->err = -EIO;
	/* The maps before the threads: see the top of this file. */
	err = bpfmap_for_each(bpf_map__fd(sp->skel->maps.syscall_stats), sizeof(struct syscall_key),
			      sizeof(struct syscall_val), store_stat, sp);
	if (!err)
		err = bpfmap_for_each(bpf_map__fd(sp->skel->maps.syscall_hists),
				      sizeof(struct syscall_hist_key), sizeof(uint64_t),
				      store_bucket, sp);
	if (!err)
		err = read_held(sp);
	if (!err) {
		account_all(sp, &sp->now_stats, &sp->held, account_stat);
		account_all(sp, &sp->now_hist, &sp->held_hist, account_bucket);
	}
	if (!err)
		err = count_probe_syscalls(sp, snap);
	if (!err && !sp->skel->rodata->exact)
		mark_hot_procs(sp, snap);
	estimate_window_max(sp, snap);
	if (dead_tgids_rotate(&sp->dead))
		sp->err = -ENOMEM;
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
