// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation probe module (opt-in, --alloc with --pid): attaches
 * bpf/alloc.bpf.c to the allocator of each chosen process only, calibrates
 * the cost the probes add to a call, optionally duty-cycles the probes, and
 * moves each interval's counts, latency histogram and outstanding bytes into
 * the snapshot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alloc.skel.h"
#include "probes/alloc_attach.h"
#include "probes/alloc_calibrate.h"
#include "kernel/bpfmap.h"
#include "cmd/cli.h"
#include "util/clock.h"
#include "util/log.h"
#include "kernel/flipmap.h"
#include "kernel/loader.h"
#include "probes/probe.h"

struct target {
	struct alloc_attachment probes;
	int64_t outstanding; /* bytes, accumulated over the intervals */
	bool gone;	     /* exited; read by the duty-cycle thread (atomic) */
};

struct alloc_probe {
	struct alloc_bpf *skel;
	struct flipmap stats, hists;
	struct target targets[FILTER_MAX_PIDS];
	unsigned int n_targets;
	uint64_t prev_lost;
	struct snapshot *snap; /* valid during collect only */

	/* Duty cycle: a thread attaches and detaches the probes. */
	uint64_t on_ns, period_ns;
	pthread_t cycler;
	bool cycling;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;		 /* under lock */
	uint64_t attached_ns;	 /* under lock: attached time since the last collect */
	uint64_t attached_since; /* under lock: when attached, 0 = detached */
};

/* Attaches every live target; a process gone meanwhile is skipped. */
static int attach_all(struct alloc_probe *ap)
{
	for (unsigned int i = 0; i < ap->n_targets; i++) {
		struct target *t = &ap->targets[i];
		int err;

		if (__atomic_load_n(&t->gone, __ATOMIC_RELAXED))
			continue;
		err = alloc_attach(ap->skel, &t->probes);
		if (err && proc_alive(t->probes.pid))
			return err;
	}
	return 0;
}

static void detach_all(struct alloc_probe *ap)
{
	struct alloc_attachment *set[FILTER_MAX_PIDS];

	for (unsigned int i = 0; i < ap->n_targets; i++)
		set[i] = &ap->targets[i].probes;
	alloc_detach_set(set, ap->n_targets);
}

static void mark_attached(struct alloc_probe *ap, bool attached)
{
	uint64_t now = mono_ns();

	pthread_mutex_lock(&ap->lock);
	if (attached)
		ap->attached_since = now;
	else if (ap->attached_since) {
		ap->attached_ns += now - ap->attached_since;
		ap->attached_since = 0;
	}
	pthread_mutex_unlock(&ap->lock);
}

/* Sleeps until CLOCK_MONOTONIC reaches @until_ns unless asked to stop;
 * returns true when asked to stop. */
static bool sleep_or_stop(struct alloc_probe *ap, uint64_t until_ns)
{
	struct timespec deadline = {.tv_sec = (time_t)(until_ns / 1000000000ULL),
				    .tv_nsec = (long)(until_ns % 1000000000ULL)};
	bool stop;

	pthread_mutex_lock(&ap->lock);
	while (!ap->stop && pthread_cond_timedwait(&ap->wake, &ap->lock, &deadline) != ETIMEDOUT)
		;
	stop = ap->stop;
	pthread_mutex_unlock(&ap->lock);
	return stop;
}

/*
 * The duty-cycle thread: owns the links while it runs. Phases keep to
 * deadlines from its start, so attaching and detaching do not stretch the
 * period: any window of whole periods is covered on_ns per period.
 */
static void *cycle(void *arg)
{
	struct alloc_probe *ap = arg;
	uint64_t period_start = mono_ns();

	for (;; period_start += ap->period_ns) {
		uint64_t now = mono_ns();

		if (now >= period_start + ap->period_ns)
			period_start = now; /* fell a period behind: start afresh */
		if (attach_all(ap)) {
			log_error("alloc probes: re-attaching failed; retrying next period");
		} else {
			alloc_set_counting(ap->skel, true);
			mark_attached(ap, true);
		}
		if (sleep_or_stop(ap, period_start + ap->on_ns))
			break;
		alloc_set_counting(ap->skel, false);
		mark_attached(ap, false);
		detach_all(ap);
		if (sleep_or_stop(ap, period_start + ap->period_ns))
			return NULL;
	}
	alloc_set_counting(ap->skel, false);
	mark_attached(ap, false);
	detach_all(ap);
	return NULL;
}

static void probe_close(void *state)
{
	struct alloc_probe *ap = state;

	if (!ap)
		return;
	if (ap->cycling) {
		pthread_mutex_lock(&ap->lock);
		ap->stop = true;
		pthread_cond_signal(&ap->wake);
		pthread_mutex_unlock(&ap->lock);
		pthread_join(ap->cycler, NULL);
	}
	detach_all(ap);
	alloc_bpf__destroy(ap->skel);
	flipmap_free(&ap->stats);
	flipmap_free(&ap->hists);
	pthread_cond_destroy(&ap->wake);
	pthread_mutex_destroy(&ap->lock);
	free(ap);
}

static int open_targets(struct alloc_probe *ap, const struct probe_filter *f)
{
	for (unsigned int i = 0; i < f->n_pids; i++) {
		struct target *t = &ap->targets[ap->n_targets];
		int err;

		err = alloc_locate(&t->probes, f->pids[i]);
		if (err == -ESRCH) {
			log_error("alloc probes: no process %u", f->pids[i]);
			return err;
		}
		if (err) {
			log_error("alloc probes: process %u maps no known allocator "
				  "(glibc, jemalloc, tcmalloc)",
				  f->pids[i]);
			return err;
		}
		ap->n_targets++;
	}
	return 0;
}

/* uprobe_multi where the kernel has it; --verbose says which was taken. */
static bool choose_links(bool verbose)
{
	bool multi = alloc_uprobe_multi_supported();

	if (verbose)
		hlog(LOG_INFO, "alloc probes: %s",
		     multi ? "uprobe_multi links"
			   : "perf-event uprobes (no uprobe_multi in this kernel)");
	return multi;
}

static int probe_open(const struct probe_opts *opts,
		      struct probe_shared *shared __attribute__((unused)), void **state)
{
	struct alloc_probe *ap = calloc(1, sizeof(*ap));
	pthread_condattr_t attr;
	uint64_t cost = 0;
	int err;

	if (!ap)
		return -ENOMEM;
	pthread_mutex_init(&ap->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ap->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (!opts->filter.n_pids) {
		log_error("alloc probes need --pid: they are never attached system-wide");
		err = -EINVAL;
		goto fail;
	}
	err = open_targets(ap, &opts->filter);
	if (err)
		goto fail;
	ap->skel = alloc_bpf__open();
	if (!ap->skel) {
		err = loader_report("alloc", "open", -errno);
		goto fail;
	}
	err = alloc_prepare(ap->skel, choose_links(opts->verbose));
	if (!err)
		err = alloc_bpf__load(ap->skel);
	if (err) {
		err = loader_report("alloc", "load", err);
		goto fail;
	}
	err = flipmap_init(&ap->stats, ap->skel->maps.stats, ap->skel->maps.stats_a,
			   ap->skel->maps.stats_b);
	if (!err)
		err = flipmap_init(&ap->hists, ap->skel->maps.hists, ap->skel->maps.hists_a,
				   ap->skel->maps.hists_b);
	if (err) {
		err = loader_report("alloc", "map set-up", err);
		goto fail;
	}
	err = alloc_calibrate(ap->skel, &ap->stats, &ap->hists, &cost);
	if (err) {
		err = loader_report("alloc", "calibration", err);
		goto fail;
	}
	ap->skel->bss->probe_cost_ns = cost;
	ap->on_ns = opts->alloc_on_ns;
	ap->period_ns = opts->alloc_period_ns;
	if (ap->on_ns && ap->on_ns < ap->period_ns) {
		err = -pthread_create(&ap->cycler, NULL, cycle, ap);
		ap->cycling = !err;
	} else {
		err = attach_all(ap);
		if (!err) {
			alloc_set_counting(ap->skel, true);
			mark_attached(ap, true);
		}
	}
	if (err) {
		err = loader_report("alloc", "attach", err);
		goto fail;
	}
	*state = ap;
	return 0;
fail:
	probe_close(ap);
	return err;
}

static struct target *target_of(struct alloc_probe *ap, uint32_t pid)
{
	for (unsigned int i = 0; i < ap->n_targets; i++)
		if (ap->targets[i].probes.pid == pid)
			return &ap->targets[i];
	return NULL;
}

static int visit_stats(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	struct alloc_probe *ap = ctx;
	struct target *t = target_of(ap, *(const uint32_t *)key);
	struct proc_snapshot *p;

	if (!t)
		return 0; /* what calibration left behind */
	p = snapshot_proc(ap->snap, t->probes.pid);
	if (!p)
		return -ENOMEM;
	for (int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct alloc_val *v = flipmap_cpu_value(m, values, cpu);

		p->alloc.malloc.calls += v->calls;
		p->alloc.malloc.frees += v->frees;
		p->alloc.malloc.bytes += v->bytes;
		p->alloc.malloc.lat.sum_ns += v->lat_total_ns;
		if (v->lat_max_ns > p->alloc.malloc.lat.max_ns)
			p->alloc.malloc.lat.max_ns = v->lat_max_ns;
		t->outstanding += v->outstanding;
		/* Blocks the bounded live map could not follow. */
		ap->snap->lost_events += v->untracked;
	}
	return 0;
}

static int visit_hist(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	const struct tgid_slot_key *k = key;
	struct alloc_probe *ap = ctx;
	struct proc_snapshot *p;
	uint64_t count = 0;

	if (!target_of(ap, k->tgid))
		return 0;
	p = snapshot_proc(ap->snap, k->tgid);
	if (!p)
		return -ENOMEM;
	for (int cpu = 0; cpu < m->ncpus; cpu++)
		count += ((const struct hist_bucket *)flipmap_cpu_value(m, values, cpu))->count;
	p->alloc.malloc.lat.count += count;
	return hist_add_slot(&p->alloc.malloc.lat, k->slot, count);
}

/* Drops the live blocks of a process that exited. */
static void forget_process(struct alloc_probe *ap, uint32_t pid)
{
	int fd = bpf_map__fd(ap->skel->maps.live);
	struct alloc_key key, next;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		if (next.tgid == pid && !bpf_map_delete_elem(fd, &next))
			continue; /* deleted: keep the old cursor */
		key = next;
	}
}

static uint64_t take_attached_ns(struct alloc_probe *ap)
{
	uint64_t now = mono_ns(), ns;

	pthread_mutex_lock(&ap->lock);
	ns = ap->attached_ns;
	if (ap->attached_since) {
		ns += now - ap->attached_since;
		ap->attached_since = now;
	}
	ap->attached_ns = 0;
	pthread_mutex_unlock(&ap->lock);
	return ns;
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct alloc_probe *ap = state;
	uint64_t attached = take_attached_ns(ap), lost;
	int which, err;

	ap->snap = snap;
	which = flipmap_flip(&ap->stats, &ap->skel->bss->gen);
	if (which < 0)
		return which;
	err = flipmap_drain(&ap->stats, which, visit_stats, ap);
	if (!err)
		err = flipmap_drain(&ap->hists, which, visit_hist, ap);
	for (unsigned int i = 0; i < ap->n_targets && !err; i++) {
		struct target *t = &ap->targets[i];
		struct proc_snapshot *p;

		if (t->gone)
			continue;
		p = snapshot_proc(snap, t->probes.pid);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		p->alloc.has_malloc = true;
		p->alloc.malloc.outstanding_bytes = t->outstanding;
		p->alloc.malloc.probe_cost_ns = ap->skel->bss->probe_cost_ns;
		p->alloc.malloc.attached_ns = attached;
		if (!proc_alive(t->probes.pid)) {
			__atomic_store_n(&t->gone, true, __ATOMIC_RELAXED);
			forget_process(ap, t->probes.pid);
		}
	}
	lost = ap->skel->bss->lost_events;
	snap->lost_events += lost - ap->prev_lost;
	ap->prev_lost = lost;
	ap->snap = NULL;
	return err;
}

const struct probe_module alloc_probe = {
	.name = "alloc",
	.set = PROBE_ALLOC,
	.open = probe_open,
	.collect = probe_collect,
	.close = probe_close,
};
