// SPDX-License-Identifier: GPL-2.0
/* Pools of a window from snapshots: exchanges, connects, busy and open connections. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pools/pool_conns.h"
#include "pools/pool_measure.h"

void pool_set_init(struct pool_set *s)
{
	memset(s, 0, sizeof(*s));
}

void pool_set_reset(struct pool_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		hist_free(&s->pools[i].lat);
	s->n = 0;
	s->window_ns = 0;
}

void pool_set_free(struct pool_set *s)
{
	pool_set_reset(s);
	free(s->pools);
	s->pools = NULL;
	s->cap = 0;
}

static bool wanted(const struct pool_set *s, const struct endpoint *ep)
{
	if (!s->n_only)
		return true;
	for (size_t i = 0; i < s->n_only; i++)
		if (endpoint_equal(&s->only[i], ep))
			return true;
	return false;
}

static uint64_t client_key(const struct proc_snapshot *p)
{
	uint64_t h = 1469598103934665603ULL;

	if (p->service_key)
		return p->service_key;
	for (const char *c = p->comm; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return h;
}

static struct pool_obs *pool_of(struct pool_set *s, const struct proc_snapshot *p,
				const struct endpoint *ep)
{
	uint64_t key = client_key(p);
	struct pool_obs *o;

	for (size_t i = 0; i < s->n; i++)
		if (s->pools[i].client_key == key && endpoint_equal(&s->pools[i].endpoint, ep))
			return &s->pools[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct pool_obs *grown = realloc(s->pools, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		s->pools = grown;
		s->cap = cap;
	}
	o = &s->pools[s->n++];
	memset(o, 0, sizeof(*o));
	hist_init(&o->lat);
	o->client_key = key;
	o->endpoint = *ep;
	snprintf(o->client, sizeof(o->client), "%s", p->service[0] ? p->service : p->comm);
	return o;
}

static void add_pid(struct pool_obs *o, uint32_t pid)
{
	for (size_t i = 0; i < o->n_pids; i++)
		if (o->pids[i] == pid)
			return;
	if (o->n_pids < POOL_MAX_PIDS)
		o->pids[o->n_pids++] = pid;
}

static int add_proc(struct pool_set *s, const struct proc_snapshot *p)
{
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];
		struct pool_obs *o;

		if (r->role != TCP_ROLE_CLIENT || !r->count || !wanted(s, &r->remote))
			continue;
		o = pool_of(s, p, &r->remote);
		if (!o || hist_merge(&o->lat, &r->lat))
			return -ENOMEM;
		o->sub_sum_ns += r->lat.sum_ns;
		add_pid(o, p->pid);
	}
	for (size_t i = 0; i < p->tcp.n_connect; i++) {
		const struct tcp_remote_stat *c = &p->tcp.connect[i];
		struct pool_obs *o;

		if (!c->count || !wanted(s, &c->remote))
			continue;
		o = pool_of(s, p, &c->remote);
		if (!o)
			return -ENOMEM;
		o->connects += c->count;
		o->connect_errors += c->errors;
		add_pid(o, p->pid);
	}
	return 0;
}

/* End of a sub-window: its busy mean and the open connections now. */
static void close_sub_window(struct pool_obs *o, uint64_t duration_ns, bool count_open)
{
	double busy = duration_ns ? (double)o->sub_sum_ns / duration_ns : 0;
	int open;

	if (busy > o->busy_peak)
		o->busy_peak = busy;
	o->sub_sum_ns = 0;
	if (!count_open)
		return;
	open = pool_conns_count(&o->endpoint, o->pids, o->n_pids);
	if (open < 0)
		return;
	o->open = (unsigned int)open;
	if (!o->open_known || o->open < o->open_min)
		o->open_min = o->open;
	if (!o->open_known || o->open > o->open_max)
		o->open_max = o->open;
	o->open_known = true;
	o->open_sum += open;
	o->open_samples++;
}

int pool_set_add(struct pool_set *s, const struct snapshot *snap, bool count_open)
{
	uint32_t self = (uint32_t)getpid();

	for (size_t i = 0; i < snap->n_procs; i++) {
		if (snap->procs[i].pid == self)
			continue; /* our own PgBouncer and PostgreSQL queries */
		if (add_proc(s, &snap->procs[i]))
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		close_sub_window(&s->pools[i], snap->duration_ns, count_open);
	s->window_ns += snap->duration_ns;
	return 0;
}

void pool_obs_measure(const struct pool_obs *o, uint64_t window_ns, struct pool_measure *m)
{
	double window_s = window_ns / 1e9;

	memset(m, 0, sizeof(*m));
	m->window_s = window_s;
	m->open_known = o->open_known;
	m->open = o->open;
	m->open_min = o->open_min;
	m->open_max = o->open_max;
	if (window_s <= 0)
		return;
	m->rate = o->lat.count / window_s;
	m->busy_mean = o->lat.sum_ns / 1e9 / window_s;
	m->busy_peak = o->busy_peak > m->busy_mean ? o->busy_peak : m->busy_mean;
	/* An exchange counts whole in the sub-window it ends in. */
	if (o->open_known && m->busy_peak > o->open_max && m->busy_mean <= o->open_max)
		m->busy_peak = o->open_max;
	m->p50_ns = hist_quantile(&o->lat, 0.50);
	m->p95_ns = hist_quantile(&o->lat, 0.95);
	m->p99_ns = hist_quantile(&o->lat, 0.99);
	m->connects_per_s = o->connects / window_s;
	m->connect_errors = o->connect_errors;
	if (m->connects_per_s > 0 && o->open_samples)
		m->lifetime_s = o->open_sum / o->open_samples / m->connects_per_s;
}

const struct pool_obs *pool_set_find(const struct pool_set *s, const struct endpoint *ep,
				     const char *client)
{
	const struct pool_obs *best = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct pool_obs *o = &s->pools[i];

		if (!endpoint_equal(&o->endpoint, ep) || (client && strcmp(o->client, client)))
			continue;
		if (!best || o->lat.count > best->lat.count)
			best = o;
	}
	return best;
}
