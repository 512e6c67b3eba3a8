// SPDX-License-Identifier: GPL-2.0
/* Group membership and per-member load of a window, from a snapshot and /proc. */
#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cgroup_names.h"
#include "rebalance/group.h"

bool group_matches(const struct group_spec *g, uint32_t pid, const char *comm, const char *cgroup,
		   const char *service)
{
	size_t len = strlen(g->cgroup);

	for (size_t i = 0; i < g->n_services && service; i++)
		if (!strcmp(g->services[i], service))
			return true;
	for (size_t i = 0; i < g->n_pids; i++)
		if (g->pids[i] == pid)
			return true;
	for (size_t i = 0; i < g->n_comms; i++)
		if (!fnmatch(g->comms[i], comm, 0))
			return true;
	/* A prefix that ends on a path component: /a matches /a and /a/b. */
	return len && cgroup && !strncmp(cgroup, g->cgroup, len) &&
	       (cgroup[len] == '\0' || cgroup[len] == '/' || g->cgroup[len - 1] == '/');
}

int group_spec_add_match(struct group_spec *g, const char *token)
{
	const char *v = strchr(token, '=');
	size_t klen = v ? (size_t)(v - token) : 0;
	char *end;

	if (!v || !*++v)
		return -EINVAL;
	if (klen == 4 && !strncmp(token, "comm", 4)) {
		if (g->n_comms == GROUP_MATCH_MAX)
			return -E2BIG;
		if (strlen(v) >= PROC_COMM_LEN)
			return -EINVAL;
		strcpy(g->comms[g->n_comms++], v);
	} else if (klen == 3 && !strncmp(token, "pid", 3)) {
		unsigned long pid = strtoul(v, &end, 10);

		if (*end || !pid || pid > 0x3fffffff)
			return -EINVAL;
		if (g->n_pids == GROUP_MATCH_MAX)
			return -E2BIG;
		g->pids[g->n_pids++] = (uint32_t)pid;
	} else if (klen == 7 && !strncmp(token, "service", 7)) {
		if (g->n_services == GROUP_MATCH_MAX)
			return -E2BIG;
		if (strlen(v) >= SERVICE_NAME_LEN)
			return -EINVAL;
		strcpy(g->services[g->n_services++], v);
	} else if (klen == 6 && !strncmp(token, "cgroup", 6)) {
		if (v[0] != '/' || strlen(v) >= sizeof(g->cgroup) || g->cgroup[0])
			return g->cgroup[0] ? -E2BIG : -EINVAL;
		strcpy(g->cgroup, v);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The CPU the process last ran on: field 39 of /proc/PID/stat. */
static int last_cpu_of(uint32_t pid)
{
	char path[64], buf[1024], *p;
	int field = 2, cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After the comm (which may hold spaces), fields are space-separated. */
	for (; p && *p; p++)
		if (*p == ' ' && ++field == 39)
			return sscanf(p + 1, "%d", &cpu) == 1 ? cpu : -1;
	return -1;
}

/* Which group CPUs the process may use now, and the one it is pinned to. */
static int read_affinity(uint32_t pid, const struct cpu_list *cpus, struct group_member *m)
{
	cpu_set_t set;
	size_t n = 0;

	CPU_ZERO(&set);
	if (sched_getaffinity((pid_t)pid, sizeof(set), &set))
		return -errno;
	m->pinned_cpu = -1;
	for (size_t i = 0; i < cpus->n; i++) {
		m->allowed[i] = CPU_ISSET(cpus->cpu[i], &set);
		n += m->allowed[i];
	}
	if (CPU_COUNT(&set) == 1)
		for (size_t i = 0; i < cpus->n; i++)
			if (m->allowed[i])
				m->pinned_cpu = cpus->cpu[i];
	return n ? 0 : -ESRCH;
}

/* A member's load from its record in the window; none when it was idle. */
static void measure_member(const struct proc_snapshot *p, uint64_t window_ns,
			   struct group_member *m)
{
	uint64_t served = 0, busy_ns = 0;
	struct hist lat;

	if (!p)
		return;
	m->cpu = (double)p->sched.oncpu_ns / (double)window_ns;
	m->wait = (double)p->sched.runq.sum_ns / (double)window_ns;
	m->runq_p99_ns = hist_quantile(&p->sched.runq, 0.99);
	hist_init(&lat);
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];

		if (r->role != TCP_ROLE_SERVER)
			continue;
		served += r->count;
		busy_ns += r->lat.sum_ns;
		hist_merge(&lat, &r->lat);
	}
	m->req_rate = (double)served * 1e9 / (double)window_ns;
	m->inflight = (double)busy_ns / (double)window_ns;
	m->req_p99_ns = hist_quantile(&lat, 0.99);
	hist_free(&lat);
}

/* The group's members among the cached processes; NULL on ENOMEM. */
static struct proc_id **find_members(const struct group_spec *g, struct proc_cache *c, size_t *n)
{
	struct proc_id **ids = calloc(c->n + 1, sizeof(*ids));

	*n = 0;
	for (size_t i = 0; ids && i < c->n && *n < GROUP_MEMBER_MAX; i++) {
		struct proc_id *id = &c->ids[i];

		if (group_matches(g, id->pid, id->comm, id->cgroup,
				  g->n_services ? proc_id_service(id) : NULL))
			ids[(*n)++] = id;
	}
	return ids;
}

/* The group's CPUs: as configured, else every CPU a member's cpuset allows. */
static void group_cpus(const struct group_spec *g, struct proc_id *const *ids, size_t n,
		       struct cpu_list *out)
{
	if (g->cpus.n) {
		*out = g->cpus;
		return;
	}
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct cpu_list set;

		/* Workers mostly share a cgroup: its cpuset is read once. */
		if (i && !strcmp(ids[i]->cgroup, ids[i - 1]->cgroup))
			continue;
		if (!cgroup_cpus(ids[i]->cgroup, &set))
			for (size_t c = 0; c < set.n; c++)
				cpu_list_add(out, set.cpu[c]);
	}
}

/* What non-members used on each group CPU: busy time less the members'
 * CPU time where they run (spread evenly when they float). */
static void measure_background(struct group_state *s, const struct cpu_times *before,
			       const struct cpu_times *after)
{
	for (size_t i = 0; i < s->cpus.n; i++) {
		int cpu = s->cpus.cpu[i];

		s->background[i] = cpu < after->n
					   ? (double)(after->busy_ns[cpu] - before->busy_ns[cpu]) /
						     (double)s->window_ns
					   : 0;
	}
	for (size_t m = 0; m < s->n_members; m++) {
		const struct group_member *gm = &s->members[m];
		int at = cpu_list_index(&s->cpus, gm->pinned_cpu);
		size_t n = 0;

		if (gm->pinned_cpu >= 0 && at >= 0) {
			s->background[at] -= gm->cpu;
			continue;
		}
		for (size_t i = 0; i < s->cpus.n; i++)
			n += gm->allowed[i];
		for (size_t i = 0; i < s->cpus.n && n; i++)
			if (gm->allowed[i])
				s->background[i] -= gm->cpu / (double)n;
	}
	for (size_t i = 0; i < s->cpus.n; i++)
		if (s->background[i] < 0)
			s->background[i] = 0;
}

int group_measure(const struct group_spec *g, const struct snapshot *snap,
		  const struct cpu_times *before, const struct cpu_times *after,
		  struct group_state *out)
{
	struct proc_cache c;
	int err;

	proc_cache_init(&c);
	err = proc_cache_update(&c, snap);
	if (!err)
		err = group_measure_cached(g, &c, snap, before, after, out);
	else
		memset(out, 0, sizeof(*out));
	proc_cache_free(&c);
	return err;
}

int group_measure_cached(const struct group_spec *g, struct proc_cache *c,
			 const struct snapshot *snap, const struct cpu_times *before,
			 const struct cpu_times *after, struct group_state *out)
{
	size_t n_ids;
	struct proc_id **ids = find_members(g, c, &n_ids);

	memset(out, 0, sizeof(*out));
	if (!ids)
		return -ENOMEM;
	out->name = g->name;
	out->window_ns = snap->duration_ns ? snap->duration_ns : 1;
	group_cpus(g, ids, n_ids, &out->cpus);
	out->members = calloc(n_ids + 1, sizeof(*out->members));
	if (!out->members) {
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_ids; i++) {
		struct group_member *m = &out->members[out->n_members];

		/* Gone meanwhile, or with no CPU of the group to run on. */
		if (read_affinity(ids[i]->pid, &out->cpus, m))
			continue;
		m->pid = ids[i]->pid;
		memcpy(m->comm, ids[i]->comm, PROC_COMM_LEN);
		measure_member(snapshot_find(snap, ids[i]->pid), out->window_ns, m);
		m->last_cpu = last_cpu_of(ids[i]->pid);
		out->n_members++;
	}
	free(ids);
	measure_background(out, before, after);
	return 0;
}

void group_state_free(struct group_state *s)
{
	free(s->members);
	memset(s, 0, sizeof(*s));
}

int group_plan(const struct group_state *s, double min_gain, struct plan *out)
{
	struct plan_member *pm = calloc(s->n_members + 1, sizeof(*pm));
	struct plan_input in = {
		.n_cpus = s->cpus.n,
		.cpus = s->cpus.cpu,
		.background = s->background,
		.n_members = s->n_members,
		.members = pm,
		.min_gain = min_gain,
	};
	int err;

	if (!pm)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_members; i++)
		pm[i] = (struct plan_member){
			.pid = s->members[i].pid,
			.demand = s->members[i].cpu + s->members[i].wait,
			.cpu = s->members[i].pinned_cpu,
			.allowed = s->members[i].allowed,
		};
	err = plan_placement(&in, out);
	free(pm);
	return err;
}

static json_t *loads_json(const double *load, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_real(load[i]));
	return arr;
}

static json_t *members_json(const struct group_state *s)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < s->n_members; i++) {
		const struct group_member *m = &s->members[i];

		json_array_append_new(
			arr,
			json_pack("{s:I, s:s, s:f, s:f, s:I, s:f, s:I, s:f, s:o, s:i}", "pid",
				  (json_int_t)m->pid, "comm", m->comm, "cpu_cores", m->cpu,
				  "runq_wait_cores", m->wait, "runq_p99_ns",
				  (json_int_t)m->runq_p99_ns, "requests_per_s", m->req_rate,
				  "request_p99_ns", (json_int_t)m->req_p99_ns, "inflight",
				  m->inflight, "pinned_cpu",
				  m->pinned_cpu >= 0 ? json_integer(m->pinned_cpu) : json_null(),
				  "last_cpu", m->last_cpu));
	}
	return arr;
}

static json_t *plan_json(const struct plan *p)
{
	json_t *moves = json_array();

	for (size_t i = 0; i < p->n_moves; i++)
		json_array_append_new(moves, json_pack("{s:I, s:o, s:i}", "pid",
						       (json_int_t)p->moves[i].pid, "from",
						       p->moves[i].from >= 0
							       ? json_integer(p->moves[i].from)
							       : json_null(),
						       "to", p->moves[i].to));
	return json_pack("{s:s, s:f, s:f, s:o}", "verdict", p->verdict, "cv_after", p->cv_after,
			 "max_load_after", p->max_after, "moves", moves);
}

json_t *group_to_json(const struct group_state *s, const struct plan *plan)
{
	json_t *cpus = json_array();

	for (size_t i = 0; i < s->cpus.n; i++)
		json_array_append_new(cpus, json_integer(s->cpus.cpu[i]));
	return json_pack("{s:s, s:o, s:o, s:{s:f, s:f, s:o, s:o}, s:o}", "name", s->name, "cpus",
			 cpus, "members", members_json(s), "imbalance", "cv", plan->cv_before,
			 "max_load", plan->max_before, "load_per_cpu",
			 loads_json(plan->load_before, s->cpus.n), "background_cores",
			 loads_json(s->background, s->cpus.n), "plan", plan_json(plan));
}
