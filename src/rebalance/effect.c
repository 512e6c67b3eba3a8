// SPDX-License-Identifier: GPL-2.0
/* Before/after figures of a group's members around an action. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rebalance/effect.h"

void effect_span_init(struct effect_span *s)
{
	memset(s, 0, sizeof(*s));
}

void effect_span_free(struct effect_span *s)
{
	for (size_t i = 0; i < s->n; i++) {
		hist_free(&s->members[i].runq);
		hist_free(&s->members[i].req);
	}
	free(s->members);
	effect_span_init(s);
}

static struct effect_member *span_member(struct effect_span *s, uint32_t pid, const char *comm)
{
	struct effect_member *m;

	for (size_t i = 0; i < s->n; i++)
		if (s->members[i].pid == pid)
			return &s->members[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct effect_member *more = realloc(s->members, cap * sizeof(*more));

		if (!more)
			return NULL;
		s->members = more;
		s->cap = cap;
	}
	m = &s->members[s->n++];
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	memcpy(m->comm, comm, PROC_COMM_LEN);
	m->comm[PROC_COMM_LEN - 1] = '\0';
	hist_init(&m->runq);
	hist_init(&m->req);
	return m;
}

/* A member's share of one window: its CPU time and latencies in @p. */
static int add_proc(struct effect_member *m, const struct proc_snapshot *p)
{
	int err = 0;

	if (!p)
		return 0;
	m->oncpu_ns += p->sched.oncpu_ns;
	err = hist_merge(&m->runq, &p->sched.runq);
	for (size_t i = 0; !err && i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];

		if (r->role != TCP_ROLE_SERVER)
			continue;
		m->requests += r->count;
		err = hist_merge(&m->req, &r->lat);
	}
	return err;
}

int effect_span_add(struct effect_span *s, const struct group_state *g, const struct snapshot *snap)
{
	for (size_t i = 0; i < g->n_members; i++) {
		const struct group_member *gm = &g->members[i];
		struct effect_member *m = span_member(s, gm->pid, gm->comm);

		if (!m || add_proc(m, snapshot_find(snap, gm->pid)))
			return -ENOMEM;
		m->span_ns += g->window_ns;
	}
	s->windows++;
	return 0;
}

int effect_span_merge(struct effect_span *dst, const struct effect_span *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct effect_member *from = &src->members[i];
		struct effect_member *m = span_member(dst, from->pid, from->comm);

		if (!m || hist_merge(&m->runq, &from->runq) || hist_merge(&m->req, &from->req))
			return -ENOMEM;
		m->oncpu_ns += from->oncpu_ns;
		m->span_ns += from->span_ns;
		m->requests += from->requests;
	}
	dst->windows += src->windows;
	return 0;
}

static const struct effect_member *find(const struct effect_span *s, uint32_t pid)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->members[i].pid == pid)
			return &s->members[i];
	return NULL;
}

static json_t *figures(double cpu_percent, const struct hist *runq, double requests,
		       uint64_t span_ns, const struct hist *req)
{
	double per_s = span_ns ? requests * 1e9 / (double)span_ns : 0;

	return json_pack(
		"{s:f, s:I, s:f, s:o, s:o}", "cpu_percent", cpu_percent, "runq_p99_ns",
		(json_int_t)hist_quantile(runq, 0.99), "requests_per_s", per_s, "request_p50_ns",
		req->count ? json_integer((json_int_t)hist_quantile(req, 0.5)) : json_null(),
		"request_p99_ns",
		req->count ? json_integer((json_int_t)hist_quantile(req, 0.99)) : json_null());
}

static json_t *member_figures(const struct effect_member *m)
{
	if (!m || !m->span_ns)
		return json_null();
	return figures(100.0 * (double)m->oncpu_ns / (double)m->span_ns, &m->runq,
		       (double)m->requests, m->span_ns, &m->req);
}

/* The group as one: mean CPU % of its members, latencies over them all;
 * requests per second summed over members (each over its own span). */
static json_t *group_figures(const struct effect_span *s)
{
	struct hist runq, req;
	double cpu = 0, rate = 0;
	json_t *o = NULL;
	int err = 0;

	hist_init(&runq);
	hist_init(&req);
	for (size_t i = 0; i < s->n && !err; i++) {
		const struct effect_member *m = &s->members[i];

		if (!m->span_ns)
			continue;
		cpu += 100.0 * (double)m->oncpu_ns / (double)m->span_ns;
		rate += (double)m->requests * 1e9 / (double)m->span_ns;
		err = hist_merge(&runq, &m->runq) || hist_merge(&req, &m->req);
	}
	if (!err)
		o = figures(s->n ? cpu / (double)s->n : 0, &runq, 0, 0, &req);
	if (o)
		json_object_set_new(o, "requests_per_s", json_real(rate));
	if (o)
		json_object_set_new(o, "members", json_integer((json_int_t)s->n));
	hist_free(&runq);
	hist_free(&req);
	return o;
}

static int add_member(json_t *arr, const struct effect_member *m, const struct effect_span *before,
		      const struct effect_span *after)
{
	return json_array_append_new(arr, json_pack("{s:I, s:s, s:o, s:o}", "pid",
						    (json_int_t)m->pid, "comm", m->comm, "before",
						    member_figures(find(before, m->pid)), "after",
						    member_figures(find(after, m->pid))));
}

json_t *effect_to_json(const struct effect_span *before, const struct effect_span *after)
{
	json_t *members = json_array();
	json_t *o;

	/* Members of before first, then those that only showed up after. */
	for (size_t i = 0; members && i < before->n; i++)
		if (add_member(members, &before->members[i], before, after))
			goto nomem;
	for (size_t i = 0; members && i < after->n; i++)
		if (!find(before, after->members[i].pid) &&
		    add_member(members, &after->members[i], before, after))
			goto nomem;
	o = json_pack("{s:i, s:i, s:o, s:{s:o, s:o}}", "windows_before", before->windows,
		      "windows_after", after->windows, "members", members, "group", "before",
		      group_figures(before), "after", group_figures(after));
	return o;
nomem:
	json_decref(members);
	return NULL;
}
