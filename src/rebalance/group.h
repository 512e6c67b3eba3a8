/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A group of worker processes and what each member did in a window: CPU
 * use, run-queue wait, requests served, where it may run. Built from a
 * snapshot plus /proc (the CPU each member is pinned to, the host's busy
 * time per CPU, cpusets).
 */
#ifndef HIVEMON_REBALANCE_GROUP_H
#define HIVEMON_REBALANCE_GROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"
#include "rebalance/cpus.h"
#include "rebalance/plan.h"
#include "rebalance/proc_cache.h"

#define GROUP_NAME_LEN	 64
#define GROUP_MATCH_MAX	 16
#define GROUP_MEMBER_MAX 4096

/* Which processes belong: any of the comm globs, pids, services or the
 * cgroup prefix. */
struct group_spec {
	char name[GROUP_NAME_LEN];
	char comms[GROUP_MATCH_MAX][PROC_COMM_LEN]; /* fnmatch globs */
	size_t n_comms;
	char services[GROUP_MATCH_MAX][SERVICE_NAME_LEN]; /* core/services.h names */
	size_t n_services;
	uint32_t pids[GROUP_MATCH_MAX];
	size_t n_pids;
	char cgroup[256];     /* cgroup path prefix, "" = any */
	struct cpu_list cpus; /* n = 0: the members' cpusets */
};

struct group_member {
	uint32_t pid;
	char comm[PROC_COMM_LEN];
	double cpu;  /* cores on a CPU over the window */
	double wait; /* cores' worth of time waiting for a CPU */
	uint64_t runq_p99_ns;
	double req_rate; /* server requests/s */
	uint64_t req_p99_ns;
	double inflight;	/* mean server requests in flight (Little's law) */
	int pinned_cpu;		/* the one CPU it may run on, -1 when several */
	int last_cpu;		/* where it ran last */
	bool allowed[CPUS_MAX]; /* per index of group_state.cpus */
};

struct group_state {
	const char *name;
	struct cpu_list cpus;
	double background[CPUS_MAX];  /* cores used per group CPU by non-members */
	struct group_member *members; /* owned */
	size_t n_members;
	uint64_t window_ns;
};

/* @service: the process's service name, NULL when not looked up (only
 * specs with services need it). */
bool group_matches(const struct group_spec *g, uint32_t pid, const char *comm, const char *cgroup,
		   const char *service);
/* Adds one `match` token: comm=GLOB, pid=N, service=NAME or cgroup=PATH.
 * 0, -EINVAL (syntax) or -E2BIG (too many). */
int group_spec_add_match(struct group_spec *g, const char *token);
/*
 * Measures @g's live members (found in /proc, listed now) in @snap, a window whose host
 * busy time per CPU went from @before to @after; a member idle in the
 * window has no load. 0 or -ENOMEM.
 */
int group_measure(const struct group_spec *g, const struct snapshot *snap,
		  const struct cpu_times *before, const struct cpu_times *after,
		  struct group_state *out);
/* The same, with the members found among the processes of @c (brought up
 * to date with @snap by the caller): no /proc listing. */
int group_measure_cached(const struct group_spec *g, struct proc_cache *c,
			 const struct snapshot *snap, const struct cpu_times *before,
			 const struct cpu_times *after, struct group_state *out);
void group_state_free(struct group_state *s);
/* The placement plan of a measured group; min_gain as in plan_placement(). */
int group_plan(const struct group_state *s, double min_gain, struct plan *out);
/* {"name", "cpus", "members": [...], "imbalance": {...}, "plan": {...}} */
json_t *group_to_json(const struct group_state *s, const struct plan *plan);

#endif
