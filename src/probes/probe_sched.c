// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler probe module: loads bpf/sched.bpf.c and moves each interval's
 * run-queue histograms and on-CPU time per process into the snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util/clock.h"
#include "kernel/bpfmap.h"
#include "kernel/flipmap.h"
#include "kernel/loader.h"
#include "probes/probe.h"
#include "sched.skel.h"

struct sched_probe {
	struct sched_bpf *skel;
	struct bpf_link *credit; /* task iterator crediting on-CPU time */
	struct flipmap stats, hists;
	uint64_t prev_lost;
	/* The syscall set's sched_switch slot ours runs from, -1 when
	 * attached on its own; the fd is the collector's. */
	int switch_next_fd;
};

/*
 * Each buffer of per-CPU values costs (key + hash node + value x CPUs) per
 * entry once filled: max_procs x 64 buckets x CPUs grew to hundreds of MB
 * on big hosts (4096 x 64 x 24 B x 64 CPUs = 400 MB a buffer, and there are
 * two). Like the TCP maps, each map gets a fixed budget
 * (bpfmap_budget_entries); a fuller map counts lost events instead.
 */

static void probe_close(void *state)
{
	struct sched_probe *sp = state;

	if (!sp)
		return;
	probe_shared_unchain(sp->switch_next_fd);
	bpf_link__destroy(sp->credit);
	sched_bpf__destroy(sp->skel);
	flipmap_free(&sp->stats);
	flipmap_free(&sp->hists);
	free(sp);
}

/* Credits every traced task the CPU time it ran since its last credit
 * (bpf/sched.bpf.c): the task iterator does it as it is read. */
static int credit_tasks(struct sched_probe *sp)
{
	char buf[64];
	ssize_t got;
	int fd = bpf_iter_create(bpf_link__fd(sp->credit));

	if (fd < 0)
		return -errno;
	while ((got = read(fd, buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR))
		;
	got = got < 0 ? -errno : 0;
	close(fd);
	return (int)got;
}

/*
 * With the syscall programs loaded, ours runs as the tail call of theirs
 * on sched_switch (one dispatch per context switch instead of two); else,
 * or if the kernel refuses, sched_bpf__attach() attaches it.
 */
static void chain_or_attach(struct sched_probe *sp, const struct probe_shared *shared)
{
	if (probe_shared_chain(shared->switch_next_fd, sp->skel->progs.sched_switch))
		return;
	sp->switch_next_fd = shared->switch_next_fd;
	bpf_program__set_autoattach(sp->skel->progs.sched_switch, false);
}

static int probe_open(const struct probe_opts *opts, struct probe_shared *shared, void **state)
{
	struct sched_probe *sp = calloc(1, sizeof(*sp));
	uint32_t procs = opts->max_procs ? opts->max_procs : 1024, stats, hists;
	int ncpus = libbpf_num_possible_cpus();
	struct sched_bpf *skel;
	int err;

	if (!sp)
		return -ENOMEM;
	sp->switch_next_fd = -1;
	if (ncpus <= 0) {
		err = loader_report("sched", "counting CPUs", ncpus ? ncpus : -EINVAL);
		goto fail;
	}
	skel = sp->skel = sched_bpf__open();
	if (!skel) {
		err = loader_report("sched", "open", -errno);
		goto fail;
	}
	PROBE_SET_FILTER(skel->rodata, &opts->filter);
	skel->rodata->started_ns = mono_ns();
	stats = bpfmap_budget_entries(procs, sizeof(struct sched_val), ncpus);
	/* Run-queue delays of one process span ~10-40 buckets. */
	hists = bpfmap_budget_entries(procs * 64, sizeof(struct hist_bucket), ncpus);
	bpf_map__set_max_entries(skel->maps.stats_a, stats);
	bpf_map__set_max_entries(skel->maps.stats_b, stats);
	bpf_map__set_max_entries(skel->maps.hists_a, hists);
	bpf_map__set_max_entries(skel->maps.hists_b, hists);
	/* Run by each collect, not attached to an event. */
	bpf_program__set_autoattach(skel->progs.credit_tasks, false);
	err = sched_bpf__load(skel);
	if (err) {
		err = loader_report("sched", "load", err);
		goto fail;
	}
	chain_or_attach(sp, shared);
	err = sched_bpf__attach(skel);
	if (err) {
		err = loader_report("sched", "attach", err);
		goto fail;
	}
	sp->credit = bpf_program__attach_iter(skel->progs.credit_tasks, NULL);
	if (!sp->credit) {
		err = loader_report("sched", "task iterator", -errno);
		goto fail;
	}
	err = flipmap_init(&sp->stats, skel->maps.stats, skel->maps.stats_a, skel->maps.stats_b);
	if (!err)
		err = flipmap_init(&sp->hists, skel->maps.hists, skel->maps.hists_a,
				   skel->maps.hists_b);
	/* The collector's start-up drain gives every task its baseline (a
	 * task's CPU time counts from when the probe first sees it) and drops
	 * what was measured before the first window. */
	if (err) {
		err = loader_report("sched", "map set-up", err);
		goto fail;
	}
	*state = sp;
	return 0;
fail:
	probe_close(sp);
	return err;
}

static int visit_stats(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	struct proc_snapshot *p = snapshot_proc(ctx, *(const uint32_t *)key);

	if (!p)
		return -ENOMEM;
	for (int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct sched_val *v = flipmap_cpu_value(m, values, cpu);

		p->sched.oncpu_ns += v->oncpu_ns;
	}
	return 0;
}

static int visit_hist(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	const struct tgid_slot_key *k = key;
	struct proc_snapshot *p = snapshot_proc(ctx, k->tgid);
	struct hist *h;
	uint64_t count = 0;

	if (!p)
		return -ENOMEM;
	h = &p->sched.runq;
	for (int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct hist_bucket *b = flipmap_cpu_value(m, values, cpu);

		count += b->count;
		h->sum_ns += b->total_ns;
		if (b->max_ns > h->max_ns)
			h->max_ns = b->max_ns;
	}
	h->count += count;
	return hist_add_slot(h, k->slot, count);
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct sched_probe *sp = state;
	uint64_t lost;
	int which, err;

	err = credit_tasks(sp);
	if (err)
		return err;
	/* Both buffers share `gen`: one flip retires both. */
	which = flipmap_flip(&sp->stats, &sp->skel->bss->gen);
	if (which < 0)
		return which;
	err = flipmap_drain(&sp->stats, which, visit_stats, snap);
	if (!err)
		err = flipmap_drain(&sp->hists, which, visit_hist, snap);
	lost = sp->skel->bss->lost_events;
	snap->lost_events += lost - sp->prev_lost;
	sp->prev_lost = lost;
	return err;
}

const struct probe_module sched_probe = {
	.name = "sched",
	.set = PROBE_SCHED,
	.open = probe_open,
	.collect = probe_collect,
	.close = probe_close,
};
