// SPDX-License-Identifier: GPL-2.0
/*
 * Memory probe module: loads bpf/mem.bpf.c, moves each interval's page
 * faults and reclaim stalls per process into the snapshot, and reads the
 * resident set size of every process in the snapshot from /proc.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "kernel/flipmap.h"
#include "kernel/loader.h"
#include "mem.skel.h"
#include "probes/probe.h"

struct mem_probe {
	struct mem_bpf *skel;
	struct flipmap stats;
	uint64_t prev_lost;
};

static void probe_close(void *state)
{
	struct mem_probe *mp = state;

	if (!mp)
		return;
	mem_bpf__destroy(mp->skel);
	flipmap_free(&mp->stats);
	free(mp);
}

static int probe_open(const struct probe_opts *opts,
		      struct probe_shared *shared __attribute__((unused)), void **state)
{
	struct mem_probe *mp = calloc(1, sizeof(*mp));
	struct mem_bpf *skel;
	int err;

	if (!mp)
		return -ENOMEM;
	skel = mp->skel = mem_bpf__open();
	if (!skel) {
		err = loader_report("mem", "open", -errno);
		goto fail;
	}
	PROBE_SET_FILTER(skel->rodata, &opts->filter);
	bpf_map__set_max_entries(skel->maps.stats_a, opts->max_procs);
	bpf_map__set_max_entries(skel->maps.stats_b, opts->max_procs);
	err = mem_bpf__load(skel);
	if (err) {
		err = loader_report("mem", "load", err);
		goto fail;
	}
	err = mem_bpf__attach(skel);
	if (err) {
		err = loader_report("mem", "attach", err);
		goto fail;
	}
	err = flipmap_init(&mp->stats, skel->maps.stats, skel->maps.stats_a, skel->maps.stats_b);
	if (err) {
		err = loader_report("mem", "map set-up", err);
		goto fail;
	}
	*state = mp;
	return 0;
fail:
	probe_close(mp);
	return err;
}

static int visit_stats(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	struct proc_snapshot *p = snapshot_proc(ctx, *(const uint32_t *)key);

	if (!p)
		return -ENOMEM;
	for (int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct mem_val *v = flipmap_cpu_value(m, values, cpu);

		p->alloc.page_faults += v->page_faults;
		p->alloc.reclaim_count += v->reclaim_count;
		p->alloc.reclaim_total_ns += v->reclaim_total_ns;
		if (v->reclaim_max_ns > p->alloc.reclaim_max_ns)
			p->alloc.reclaim_max_ns = v->reclaim_max_ns;
	}
	return 0;
}

/*
 * The resident memory of @p's process and its split, from /proc/PID/status
 * (kB): private anonymous, file-backed and shared memory. Left as it was
 * when the process is gone.
 */
static void read_rss(struct proc_snapshot *p)
{
	uint64_t anon = 0, file = 0, shmem = 0, total = 0;
	char path[48], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", p->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %" SCNu64, &total) == 1 ||
		    sscanf(line, "RssAnon: %" SCNu64, &anon) == 1 ||
		    sscanf(line, "RssFile: %" SCNu64, &file) == 1)
			continue;
		if (sscanf(line, "RssShmem: %" SCNu64, &shmem) == 1)
			break; /* the last of the four */
	}
	fclose(f);
	if (!total)
		return;
	p->alloc.rss_bytes = total << 10;
	p->alloc.rss_anon = anon << 10;
	p->alloc.rss_file = file << 10;
	p->alloc.rss_shmem = shmem << 10;
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct mem_probe *mp = state;
	uint64_t lost;
	int which, err;

	which = flipmap_flip(&mp->stats, &mp->skel->bss->gen);
	if (which < 0)
		return which;
	err = flipmap_drain(&mp->stats, which, visit_stats, snap);
	/* RSS is a level: read once per interval, for whoever is in the
	 * snapshot so far (modules before this one in the collector's table). */
	for (size_t i = 0; i < snap->n_procs; i++)
		read_rss(&snap->procs[i]);
	lost = mp->skel->bss->lost_events;
	snap->lost_events += lost - mp->prev_lost;
	mp->prev_lost = lost;
	return err;
}

const struct probe_module mem_probe = {
	.name = "mem",
	.set = PROBE_MEM,
	.open = probe_open,
	.collect = probe_collect,
	.close = probe_close,
};
