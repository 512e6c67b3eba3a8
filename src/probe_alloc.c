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
#include "allocator_lib.h"
#include "bpfmap.h"
#include "cli.h"
#include "elf_sym.h"
#include "flipmap.h"
#include "loader.h"
#include "bpf/hist.h"
#include "probe.h"

#define CALIBRATION_CALLS 20000
#define BASELINE_CALLS	  200000
#define CALIBRATION_SIZE  64

/* The probes of one process: entry probes, then return probes. */
#define LINKS_PER_PID 11

/* Allocator functions; malloc is required, and free has no return probe. */
static const char *const alloc_funcs[] = {"malloc",	    "calloc",	     "realloc",
					  "posix_memalign", "aligned_alloc", "free"};
#define N_FUNCS (sizeof(alloc_funcs) / sizeof(alloc_funcs[0]))

struct target {
	uint32_t pid;
	char lib[PATH_MAX];
	size_t offsets[N_FUNCS]; /* of alloc_funcs in lib, 0 = absent */
	int64_t outstanding;	 /* bytes, accumulated over the intervals */
	bool gone;		 /* exited; read by the duty-cycle thread (atomic) */
	struct bpf_link *links[LINKS_PER_PID];
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

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct bpf_program *entry_prog(struct alloc_bpf *skel, size_t i)
{
	struct bpf_program *progs[] = {
		skel->progs.malloc_enter,	 skel->progs.calloc_enter,
		skel->progs.realloc_enter,	 skel->progs.posix_memalign_enter,
		skel->progs.aligned_alloc_enter, skel->progs.free_enter,
	};

	return progs[i];
}

/* Entry probes (attached last) go first, so no call is left entered. */
static void detach_target(struct target *t)
{
	for (size_t i = LINKS_PER_PID; i-- > 0;) {
		bpf_link__destroy(t->links[i]);
		t->links[i] = NULL;
	}
}

static struct bpf_link *attach_one(struct bpf_program *prog, const struct target *t, size_t func,
				   bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);

	return bpf_program__attach_uprobe_opts(prog, (pid_t)t->pid, t->lib, t->offsets[func],
					       &opts);
}

/*
 * Probes @t's allocator: a return probe on each allocating function it has,
 * then an entry probe on each (free has no return probe). Returns first, so
 * that no call is entered without its return being seen: hivemon probes
 * itself for calibration, and libbpf allocates while attaching.
 */
static int attach_target(struct alloc_bpf *skel, struct target *t)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < N_FUNCS; i++) {
			bool ret = pass == 0;
			struct bpf_link *link;

			if (!t->offsets[i] || (ret && !strcmp(alloc_funcs[i], "free")))
				continue;
			link = attach_one(ret ? skel->progs.alloc_exit : entry_prog(skel, i), t, i,
					  ret);
			if (!link) {
				int err = -errno;

				detach_target(t);
				return err;
			}
			t->links[n++] = link;
		}
	}
	return 0;
}

/* Finds the allocator @t maps and where its functions are. */
static int locate_allocator(struct target *t)
{
	int err = allocator_lib_of(t->pid, t->lib, sizeof(t->lib));

	if (!err)
		err = elf_func_offsets(t->lib, alloc_funcs, N_FUNCS, t->offsets);
	if (!err && !t->offsets[0])
		err = -ENOENT;
	return err;
}

/*
 * Lets the programs count (or stops them). A new epoch on enabling drops
 * the per-thread state of calls that were in flight when counting stopped.
 */
static void set_counting(struct alloc_bpf *skel, bool on)
{
	if (on)
		__atomic_add_fetch(&skel->bss->epoch, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&skel->bss->enabled, on, __ATOMIC_SEQ_CST);
}

/* Attaches every live target; a process gone meanwhile is skipped. */
static int attach_all(struct alloc_probe *ap)
{
	for (unsigned int i = 0; i < ap->n_targets; i++) {
		struct target *t = &ap->targets[i];
		int err;

		if (__atomic_load_n(&t->gone, __ATOMIC_RELAXED))
			continue;
		err = attach_target(ap->skel, t);
		if (err && proc_alive(t->pid))
			return err;
	}
	return 0;
}

static void detach_all(struct alloc_probe *ap)
{
	for (unsigned int i = 0; i < ap->n_targets; i++)
		detach_target(&ap->targets[i]);
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

/* Sleeps @ns unless asked to stop; returns true when asked to stop. */
static bool sleep_or_stop(struct alloc_probe *ap, uint64_t ns)
{
	struct timespec deadline;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)(ns / 1000000000ULL);
	deadline.tv_nsec += (long)(ns % 1000000000ULL);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ap->lock);
	while (!ap->stop && pthread_cond_timedwait(&ap->wake, &ap->lock, &deadline) != ETIMEDOUT)
		;
	stop = ap->stop;
	pthread_mutex_unlock(&ap->lock);
	return stop;
}

/* The duty-cycle thread: owns the links while it runs. */
static void *cycle(void *arg)
{
	struct alloc_probe *ap = arg;

	for (;;) {
		if (attach_all(ap)) {
			log_error("alloc probes: re-attaching failed; retrying next period");
		} else {
			set_counting(ap->skel, true);
			mark_attached(ap, true);
		}
		if (sleep_or_stop(ap, ap->on_ns))
			break;
		set_counting(ap->skel, false);
		mark_attached(ap, false);
		detach_all(ap);
		if (sleep_or_stop(ap, ap->period_ns - ap->on_ns))
			return NULL;
	}
	set_counting(ap->skel, false);
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
		const struct hist_bucket *v =
			(const void *)((const char *)values + cpu * m->stride);

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

/*
 * Measures what the probes add to a malloc's measured latency: hivemon
 * probes its own malloc, times known calls (64-byte malloc+free pairs) with
 * and without the probes, and keeps the difference. Latencies are reported
 * net of it.
 */
static int calibrate(struct alloc_probe *ap, uint64_t *cost_ns)
{
	struct target self = {.pid = (uint32_t)getpid()};
	struct buckets *b = calloc(1, sizeof(*b));
	uint64_t bare, probed;
	int which, err;

	if (!b)
		return -ENOMEM;
	err = locate_allocator(&self);
	if (err)
		goto out;
	time_pairs(BASELINE_CALLS / 10); /* warm up */
	bare = time_pairs(BASELINE_CALLS);
	err = attach_target(ap->skel, &self);
	if (err)
		goto out;
	set_counting(ap->skel, true);
	time_pairs(CALIBRATION_CALLS);
	set_counting(ap->skel, false);
	detach_target(&self);
	which = flipmap_flip(&ap->stats, &ap->skel->bss->gen);
	if (which < 0) {
		err = which;
		goto out;
	}
	b->tgid = self.pid;
	err = flipmap_drain(&ap->hists, which, collect_buckets, b);
	if (!err)
		err = flipmap_drain(&ap->stats, which, ignore_entry, NULL);
	if (err)
		goto out;
	probed = interquartile_mean(b);
	/* A malloc is about half of a pair. */
	*cost_ns = probed > bare / 2 ? probed - bare / 2 : 0;
out:
	free(b);
	return err;
}

static int open_targets(struct alloc_probe *ap, const struct probe_filter *f)
{
	for (unsigned int i = 0; i < f->n_pids; i++) {
		struct target *t = &ap->targets[ap->n_targets];
		int err;

		t->pid = f->pids[i];
		err = locate_allocator(t);
		if (err == -ESRCH) {
			log_error("alloc probes: no process %u", t->pid);
			return err;
		}
		if (err) {
			log_error("alloc probes: process %u maps no known allocator "
				  "(glibc, jemalloc, tcmalloc)",
				  t->pid);
			return err;
		}
		ap->n_targets++;
	}
	return 0;
}

static int probe_open(const struct probe_opts *opts, void **state)
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
	err = alloc_bpf__load(ap->skel);
	if (err) {
		err = loader_report("alloc", "load", err);
		goto fail;
	}
	err = flipmap_init(&ap->stats, ap->skel->maps.stats, ap->skel->maps.stats_a,
			   ap->skel->maps.stats_b);
	if (!err)
		err = flipmap_init(&ap->hists, ap->skel->maps.hists, ap->skel->maps.hist_a,
				   ap->skel->maps.hist_b);
	if (err) {
		err = loader_report("alloc", "map set-up", err);
		goto fail;
	}
	err = calibrate(ap, &cost);
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
			set_counting(ap->skel, true);
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
		if (ap->targets[i].pid == pid)
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
	p = snapshot_proc(ap->snap, t->pid);
	if (!p)
		return -ENOMEM;
	for (int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct alloc_val *v = (const void *)((const char *)values + cpu * m->stride);

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
		count += ((const struct hist_bucket *)((const char *)values + cpu * m->stride))
				 ->count;
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
		p = snapshot_proc(snap, t->pid);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		p->alloc.has_malloc = true;
		p->alloc.malloc.outstanding_bytes = t->outstanding;
		p->alloc.malloc.probe_cost_ns = ap->skel->bss->probe_cost_ns;
		p->alloc.malloc.attached_ns = attached;
		if (!proc_alive(t->pid)) {
			__atomic_store_n(&t->gone, true, __ATOMIC_RELAXED);
			forget_process(ap, t->pid);
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
