// SPDX-License-Identifier: GPL-2.0
/* Owns the probe modules; builds one snapshot per interval from them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "kernel/bpfmap.h"
#include "core/cgroup_names.h"
#include "core/services.h"
#include "cmd/cli.h"
#include "util/clock.h"
#include "probes/collector.h"
#include "probes/probe.h"
#include "probes/steer.h"
#include "kernel/loader.h"
#include "proc.skel.h"

_Static_assert(COLLECTOR_STEER_MAX == STEER_MAX_MEMBERS,
	       "steering bound differs from bpf/hivemon.h");

static const struct probe_module *const modules[] = {
	&syscall_probe,
	&tcp_probe,
	&sched_probe,
	/* After the modules that add processes: it reads RSS for all of them. */
	&mem_probe,
	&alloc_probe,
	&app_probe,
};
#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

struct collector {
	struct proc_bpf *names; /* comm/cgroup of exited processes */
	void *states[N_MODULES];
	struct probe_shared shared; /* maps the modules share; fds owned here */
	struct cgroup_names cgroups;
	struct u64map services; /* pid -> struct service_id, while it lives */
	char host[64], kernel[sizeof(((struct snapshot *)0)->kernel)];
	uint64_t window_start_real, window_start_mono;
	bool first_window;   /* no collect since the start-up drain */
	unsigned int probes; /* PROBE_* bits loaded */
	unsigned int failed; /* PROBE_* bits asked for that could not load */
	/* Why, by bit number; the advice for the user goes to stderr only. */
	char errors[SNAPSHOT_PROBE_SETS][SNAPSHOT_PROBE_ERROR_LEN];
	char hints[SNAPSHOT_PROBE_SETS][160];
	uint32_t tcp_sample;
	uint64_t slow_query_ns; /* the probe's threshold, for analysis */
	/* The reuseport group being steered (sockets owned by the caller). */
	struct steer_member steered[STEER_MAX_MEMBERS];
	size_t n_steered;
};

static int open_names(struct collector *c, const struct probe_opts *opts)
{
	int err;

	c->names = proc_bpf__open();
	if (!c->names)
		return loader_report("process", "open", -errno);
	bpf_map__set_max_entries(c->names->maps.exited_procs, opts->max_procs);
	err = proc_bpf__load(c->names);
	if (err)
		return loader_report("process", "load", err);
	err = proc_bpf__attach(c->names);
	if (err)
		return loader_report("process", "attach", err);
	return 0;
}

/*
 * Modules attach one after the other; what the first ones counted while
 * the later ones loaded happened before the first window and is dropped, so
 * that a window holds exactly what happened in it.
 */
static int drain_startup(struct collector *c)
{
	struct snapshot scratch;
	int err = 0;

	snapshot_init(&scratch);
	for (size_t i = 0; i < N_MODULES && !err; i++)
		if (c->states[i])
			err = modules[i]->collect(c->states[i], &scratch);
	snapshot_free(&scratch);
	if (err)
		log_error("collecting failed at start-up: %s", strerror(-err));
	return err;
}

/*
 * Test hook, not a user option: HIVEMON_TEST_FAIL_PROBES="tcp,sched" makes
 * those sets fail as if the kernel refused to attach them ("attach failed:
 * Operation canceled"), so that tests can check on any kernel that the
 * other sets run without them.
 */
static bool test_fails(const char *name)
{
	const char *list = getenv("HIVEMON_TEST_FAIL_PROBES");
	size_t len = strlen(name);

	for (const char *at = list; at && *at; at += strcspn(at, ","), at += *at == ',')
		if (!strncmp(at, name, len) && (at[len] == ',' || !at[len]))
			return true;
	return false;
}

/*
 * Opens module @i. A set the kernel refuses (a load or attach failure,
 * reported by the loader) is recorded as failed with why; any other failure
 * (options it cannot honour, memory) is an error of the whole command.
 */
static int open_module(struct collector *c, size_t i, const struct probe_opts *opts)
{
	unsigned int bit = __builtin_ctz(modules[i]->set);
	int err;

	loader_hold(true);
	err = test_fails(modules[i]->name) ? loader_report(modules[i]->name, "attach", -ECANCELED)
					   : modules[i]->open(opts, &c->shared, &c->states[i]);
	if (!err)
		c->probes |= modules[i]->set;
	else if (loader_held(c->errors[bit], sizeof(c->errors[bit]), c->hints[bit],
			     sizeof(c->hints[bit]))) {
		c->failed |= modules[i]->set;
		err = 0;
	}
	loader_hold(false);
	return err;
}

/* One line per set that could not load; false when none did. */
static bool report_failed(const struct collector *c)
{
	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++)
		if (c->failed & (1u << i))
			log_error("%s probes unavailable: %s%s%s", snapshot_probe_name(i),
				  c->errors[i], c->hints[i],
				  c->probes ? " (running without them)" : "");
	return c->probes != 0;
}

struct collector *collector_open(const struct probe_opts *opts)
{
	struct collector *c;
	struct utsname uts;

	if (loader_init(opts->verbose))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_error("out of memory");
		return NULL;
	}
	probe_shared_init(&c->shared);
	cgroup_names_init(&c->cgroups);
	if (u64map_init(&c->services, sizeof(struct service_id))) {
		log_error("out of memory");
		goto fail;
	}
	if (open_names(c, opts))
		goto fail;
	for (size_t i = 0; i < N_MODULES; i++)
		if ((opts->probes & modules[i]->set) && open_module(c, i, opts))
			goto fail;
	if (!report_failed(c))
		goto fail;
	c->tcp_sample = (c->probes & PROBE_TCP) && opts->tcp_sample > 1 ? opts->tcp_sample : 1;
	c->slow_query_ns = opts->slow_query_ns;
	/* Each module reads its maps at the same offset into every collect,
	 * the drain included, so the window starts where the drain does. */
	c->window_start_real = clock_ns(CLOCK_REALTIME);
	c->window_start_mono = clock_ns(CLOCK_MONOTONIC);
	if (drain_startup(c))
		goto fail;
	c->first_window = true;
	gethostname(c->host, sizeof(c->host) - 1);
	if (!uname(&uts))
		snprintf(c->kernel, sizeof(c->kernel), "%.63s", uts.release);
	/* Tests and benchmarks wait for this line before starting workloads. */
	if (opts->verbose)
		fprintf(stderr, "hivemon: probes attached\n");
	return c;
fail:
	collector_close(c);
	return NULL;
}

unsigned int collector_probes(const struct collector *c)
{
	return c->probes;
}

static void read_comm(uint32_t pid, char comm[COMM_LEN])
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, COMM_LEN, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

/* Bound on the services remembered; past it the cache starts over. */
#define SERVICE_CACHE_MAX 16384

/* A process's service is read from /proc once, while it lives. */
static void name_service(struct collector *c, struct proc_snapshot *p)
{
	struct service_id *cached = u64map_get(&c->services, p->pid), id;

	if (!cached && !service_identify(p->pid, p->cgroup, p->comm, &id)) {
		if (c->services.n >= SERVICE_CACHE_MAX)
			u64map_clear(&c->services);
		cached = u64map_upsert(&c->services, p->pid);
		if (cached)
			*cached = id;
	}
	if (cached)
		id = *cached;
	memcpy(p->service, id.name, sizeof(p->service));
	p->service_key = id.key;
	if (p->exited)
		u64map_delete(&c->services, p->pid);
}

/* Names every process of @snap: /proc while it lives, else what the kernel
 * kept at its exit. */
static int name_processes(struct collector *c, struct snapshot *snap)
{
	int fd = bpf_map__fd(c->names->maps.exited_procs);

	for (size_t i = 0; i < snap->n_procs; i++) {
		struct proc_snapshot *p = &snap->procs[i];
		struct proc_exit_info info;
		const char *cgroup;

		p->exited = !proc_alive(p->pid);
		read_comm(p->pid, p->comm);
		cgroup = cgroup_names_of_pid(&c->cgroups, p->pid);
		if ((!p->comm[0] || !cgroup) && !bpf_map_lookup_elem(fd, &p->pid, &info)) {
			if (!p->comm[0])
				memcpy(p->comm, info.comm, COMM_LEN);
			if (!cgroup)
				cgroup = cgroup_names_of_id(&c->cgroups, info.cgroup_id);
		}
		/* Copy before forgetting: @cgroup may be the cached string. */
		p->cgroup = strdup(cgroup ? cgroup : "");
		if (p->exited)
			cgroup_names_forget_pid(&c->cgroups, p->pid);
		if (!p->cgroup)
			return -ENOMEM;
		name_service(c, p);
	}
	return 0;
}

int collector_collect(struct collector *c, struct snapshot *snap)
{
	uint64_t mono = clock_ns(CLOCK_MONOTONIC);
	int err = 0;

	memcpy(snap->host, c->host, sizeof(snap->host));
	memcpy(snap->kernel, c->kernel, sizeof(snap->kernel));
	snap->started_at_ns = c->window_start_real;
	snap->duration_ns = mono - c->window_start_mono;
	snap->probes = c->probes;
	snap->probes_failed = c->failed;
	memcpy(snap->probe_errors, c->errors, sizeof(snap->probe_errors));
	snap->tcp_sample = c->tcp_sample;
	snap->slow_query_ns = c->slow_query_ns;
	for (size_t i = 0; i < N_MODULES; i++) {
		if (!c->states[i])
			continue;
		err = modules[i]->collect(c->states[i], snap);
		if (err) {
			log_error("%s probes: collecting failed: %s", modules[i]->name,
				  strerror(-err));
			break;
		}
	}
	if (!err)
		err = name_processes(c, snap);
	c->window_start_real += snap->duration_ns;
	c->window_start_mono = mono;
	c->first_window = false;
	return err;
}

uint64_t collector_drain_step(const struct collector *c)
{
	return c->first_window ? COLLECTOR_FIRST_DRAIN_NS : COLLECTOR_DRAIN_NS;
}

int collector_collect_into(struct collector *c, struct snapshot *total)
{
	struct snapshot part;
	int err;

	snapshot_init(&part);
	err = collector_collect(c, &part);
	if (!err && snapshot_merge(total, &part))
		err = -ENOMEM;
	snapshot_free(&part);
	return err;
}

void collector_close(struct collector *c)
{
	if (!c)
		return;
	collector_steer_stop(c);
	for (size_t i = 0; i < N_MODULES; i++)
		if (c->states[i])
			modules[i]->close(c->states[i]);
	probe_shared_release(&c->shared);
	proc_bpf__destroy(c->names);
	cgroup_names_free(&c->cgroups);
	u64map_free(&c->services);
	free(c);
}

static void *module_state(struct collector *c, unsigned int set)
{
	for (size_t i = 0; i < N_MODULES; i++)
		if (modules[i]->set == set)
			return c->states[i];
	return NULL;
}

int collector_steer_start(struct collector *c, const struct steer_member *m, size_t n)
{
	struct tcp_bpf *skel = tcp_probe_skel(module_state(c, PROBE_TCP));
	int err;

	if (!skel)
		return -ENOTSUP;
	if (c->n_steered)
		return -EBUSY;
	if (n > STEER_MAX_MEMBERS)
		return -E2BIG;
	err = steer_start(skel, m, n);
	if (err)
		return err;
	memcpy(c->steered, m, n * sizeof(*m));
	c->n_steered = n;
	return 0;
}

void collector_steer_stop(struct collector *c)
{
	struct tcp_bpf *skel = tcp_probe_skel(module_state(c, PROBE_TCP));

	if (!skel || !c->n_steered)
		return;
	steer_stop(skel, c->steered, c->n_steered);
	c->n_steered = 0;
}
