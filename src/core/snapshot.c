// SPDX-License-Identifier: GPL-2.0
/* Snapshot records: creation, lookup by pid, merging and release. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapshot.h"

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void proc_free_app(struct proc_snapshot *p)
{
	for (size_t i = 0; i < p->app.n_requests; i++) {
		free(p->app.requests[i].text);
		hist_free(&p->app.requests[i].lat);
	}
	free(p->app.requests);
	for (size_t i = 0; i < p->app.n_slow; i++)
		free(p->app.slow[i].text);
	memset(&p->app, 0, sizeof(p->app));
}

static void proc_free(struct proc_snapshot *p)
{
	size_t i;

	free(p->cgroup);
	for (i = 0; i < p->n_syscalls; i++)
		hist_free(&p->syscalls[i].lat);
	free(p->syscalls);
	for (i = 0; i < p->tcp.n_connect; i++)
		hist_free(&p->tcp.connect[i].lat);
	free(p->tcp.connect);
	for (i = 0; i < p->tcp.n_rtt; i++)
		hist_free(&p->tcp.rtt[i].lat);
	free(p->tcp.rtt);
	for (i = 0; i < p->tcp.n_requests; i++)
		hist_free(&p->tcp.requests[i].lat);
	free(p->tcp.requests);
	proc_free_app(p);
	hist_free(&p->sched.runq);
	hist_free(&p->alloc.malloc.lat);
}

void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->n_procs; i++)
		proc_free(&s->procs[i]);
	free(s->procs);
	free(s->index);
	snapshot_init(s);
}

static size_t pid_hash(uint32_t pid, size_t cap)
{
	return (pid * 2654435761u) & (cap - 1);
}

static int index_rebuild(struct snapshot *s, size_t cap)
{
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -1;
	for (size_t i = 0; i < s->n_procs; i++) {
		size_t h = pid_hash(s->procs[i].pid, cap);

		while (index[h])
			h = (h + 1) & (cap - 1);
		index[h] = (uint32_t)i + 1;
	}
	free(s->index);
	s->index = index;
	s->index_cap = cap;
	return 0;
}

struct proc_snapshot *snapshot_find(const struct snapshot *s, uint32_t pid)
{
	size_t h;

	if (!s->index_cap)
		return NULL;
	for (h = pid_hash(pid, s->index_cap); s->index[h]; h = (h + 1) & (s->index_cap - 1)) {
		struct proc_snapshot *p = &s->procs[s->index[h] - 1];

		if (p->pid == pid)
			return p;
	}
	return NULL;
}

struct proc_snapshot *snapshot_proc(struct snapshot *s, uint32_t pid)
{
	struct proc_snapshot *p = snapshot_find(s, pid);

	if (p)
		return p;
	if (s->n_procs == s->cap_procs) {
		size_t cap = s->cap_procs ? s->cap_procs * 2 : 64;
		struct proc_snapshot *procs = realloc(s->procs, cap * sizeof(*procs));

		if (!procs)
			return NULL;
		s->procs = procs;
		s->cap_procs = cap;
	}
	/* Keep the index at most half full so probes stay short. */
	if ((s->n_procs + 1) * 2 > s->index_cap &&
	    index_rebuild(s, s->index_cap ? s->index_cap * 2 : 128))
		return NULL;
	p = &s->procs[s->n_procs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	s->n_procs++;
	{
		size_t h = pid_hash(pid, s->index_cap);

		while (s->index[h])
			h = (h + 1) & (s->index_cap - 1);
		s->index[h] = (uint32_t)s->n_procs;
	}
	return p;
}

/* Grows a record array by one zeroed element; NULL on ENOMEM. */
static void *array_push(void **arr, size_t *n, size_t *cap, size_t size)
{
	char *elem;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *grown = realloc(*arr, ncap * size);

		if (!grown)
			return NULL;
		*arr = grown;
		*cap = ncap;
	}
	elem = (char *)*arr + *n * size;
	memset(elem, 0, size);
	(*n)++;
	return elem;
}

struct syscall_stat *proc_syscall(struct proc_snapshot *p, uint32_t nr)
{
	struct syscall_stat *sc;

	for (size_t i = 0; i < p->n_syscalls; i++)
		if (p->syscalls[i].nr == nr)
			return &p->syscalls[i];
	sc = array_push((void **)&p->syscalls, &p->n_syscalls, &p->cap_syscalls, sizeof(*sc));
	if (sc)
		sc->nr = nr;
	return sc;
}

void proc_add_slow(struct proc_snapshot *p, const struct slow_call *call)
{
	size_t fastest = 0;

	if (p->n_slow < PROC_MAX_SLOW) {
		p->slow[p->n_slow++] = *call;
		return;
	}
	for (size_t i = 1; i < p->n_slow; i++)
		if (p->slow[i].latency_ns < p->slow[fastest].latency_ns)
			fastest = i;
	if (call->latency_ns > p->slow[fastest].latency_ns)
		p->slow[fastest] = *call;
}

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	size_t alen = a->family == AF_INET6 ? 16 : 4;

	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, alen);
}

static struct tcp_remote_stat *remote_stat(struct tcp_remote_stat **arr, size_t *n, size_t *cap,
					   const struct endpoint *remote)
{
	struct tcp_remote_stat *st;

	for (size_t i = 0; i < *n; i++)
		if (endpoint_equal(&(*arr)[i].remote, remote))
			return &(*arr)[i];
	st = array_push((void **)arr, n, cap, sizeof(*st));
	if (st)
		st->remote = *remote;
	return st;
}

struct tcp_remote_stat *proc_tcp_connect(struct proc_snapshot *p, const struct endpoint *remote)
{
	return remote_stat(&p->tcp.connect, &p->tcp.n_connect, &p->tcp.cap_connect, remote);
}

struct tcp_remote_stat *proc_tcp_rtt(struct proc_snapshot *p, const struct endpoint *remote)
{
	return remote_stat(&p->tcp.rtt, &p->tcp.n_rtt, &p->tcp.cap_rtt, remote);
}

struct tcp_request_stat *proc_tcp_request(struct proc_snapshot *p, enum tcp_role role,
					  const struct endpoint *local,
					  const struct endpoint *remote)
{
	static const struct endpoint none;
	struct tcp_request_stat *st;

	local = local ? local : &none;
	remote = remote ? remote : &none;
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		st = &p->tcp.requests[i];
		if (st->role == role && endpoint_equal(&st->local, local) &&
		    endpoint_equal(&st->remote, remote))
			return st;
	}
	st = array_push((void **)&p->tcp.requests, &p->tcp.n_requests, &p->tcp.cap_requests,
			sizeof(*st));
	if (st) {
		st->role = role;
		st->local = *local;
		st->remote = *remote;
	}
	return st;
}

struct app_request_stat *proc_app_request(struct proc_snapshot *p, uint8_t proto, uint8_t role,
					  const char *method, uint16_t status, uint64_t fingerprint,
					  const char *text)
{
	struct app_request_stat *st;
	char *copy;

	method = method ? method : "";
	for (size_t i = 0; i < p->app.n_requests; i++) {
		st = &p->app.requests[i];
		if (st->fingerprint == fingerprint && st->proto == proto && st->role == role &&
		    st->status == status && !strncmp(st->method, method, sizeof(st->method)))
			return st;
	}
	copy = strdup(text ? text : "");
	if (!copy)
		return NULL;
	st = array_push((void **)&p->app.requests, &p->app.n_requests, &p->app.cap_requests,
			sizeof(*st));
	if (!st) {
		free(copy);
		return NULL;
	}
	st->proto = proto;
	st->role = role;
	st->status = status;
	snprintf(st->method, sizeof(st->method), "%s", method);
	st->fingerprint = fingerprint;
	st->text = copy;
	return st;
}

int proc_add_slow_query(struct proc_snapshot *p, const struct slow_query *q)
{
	size_t slot = p->app.n_slow;
	char *copy;

	if (slot == PROC_MAX_SLOW_QUERIES) {
		slot = 0;
		for (size_t i = 1; i < PROC_MAX_SLOW_QUERIES; i++)
			if (p->app.slow[i].latency_ns < p->app.slow[slot].latency_ns)
				slot = i;
		if (q->latency_ns <= p->app.slow[slot].latency_ns)
			return 0;
	}
	copy = strdup(q->text ? q->text : "");
	if (!copy)
		return -1;
	if (slot == p->app.n_slow)
		p->app.n_slow++;
	else
		free(p->app.slow[slot].text);
	p->app.slow[slot] = *q;
	p->app.slow[slot].text = copy;
	return 0;
}

int proc_merge_app(struct proc_snapshot *dst, const struct proc_snapshot *src)
{
	for (size_t i = 0; i < src->app.n_requests; i++) {
		const struct app_request_stat *r = &src->app.requests[i];
		struct app_request_stat *q = proc_app_request(dst, r->proto, r->role, r->method,
							      r->status, r->fingerprint, r->text);

		if (!q || hist_merge(&q->lat, &r->lat))
			return -1;
		q->count += r->count;
		q->errors += r->errors;
		q->hits += r->hits;
		q->misses += r->misses;
	}
	for (size_t i = 0; i < src->app.n_slow; i++)
		if (proc_add_slow_query(dst, &src->app.slow[i]))
			return -1;
	return 0;
}

char *endpoint_format(const struct endpoint *ep, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (ep->family == AF_INET6) {
		inet_ntop(AF_INET6, ep->addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ep->port);
	} else {
		inet_ntop(AF_INET, ep->addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ep->port);
	}
	return buf;
}

static int merge_remote(struct tcp_remote_stat *(*get)(struct proc_snapshot *,
						       const struct endpoint *),
			struct proc_snapshot *dst, const struct tcp_remote_stat *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tcp_remote_stat *d = get(dst, &src[i].remote);

		if (!d || hist_merge(&d->lat, &src[i].lat))
			return -1;
		d->count += src[i].count;
		d->errors += src[i].errors;
	}
	return 0;
}

static int proc_merge(struct proc_snapshot *d, const struct proc_snapshot *s, uint64_t end_ns)
{
	size_t i;

	if (s->comm[0])
		memcpy(d->comm, s->comm, sizeof(d->comm));
	if (s->service_key) {
		memcpy(d->service, s->service, sizeof(d->service));
		d->service_key = s->service_key;
	}
	if (s->cgroup && (!d->cgroup || !d->cgroup[0])) {
		free(d->cgroup);
		d->cgroup = strdup(s->cgroup);
	}
	d->exited = d->exited || s->exited;
	for (i = 0; i < s->n_slow; i++)
		proc_add_slow(d, &s->slow[i]);
	for (i = 0; i < s->n_syscalls; i++) {
		struct syscall_stat *sc = proc_syscall(d, s->syscalls[i].nr);

		if (!sc || hist_merge(&sc->lat, &s->syscalls[i].lat))
			return -1;
		sc->count += s->syscalls[i].count;
		sc->errors += s->syscalls[i].errors;
	}
	if (merge_remote(proc_tcp_connect, d, s->tcp.connect, s->tcp.n_connect) ||
	    merge_remote(proc_tcp_rtt, d, s->tcp.rtt, s->tcp.n_rtt))
		return -1;
	d->tcp.retransmits += s->tcp.retransmits;
	/* A window is as rough an estimate as its roughest interval. */
	if (s->tcp.sample > d->tcp.sample)
		d->tcp.sample = s->tcp.sample;
	for (i = 0; i < s->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &s->tcp.requests[i];
		struct tcp_request_stat *q = proc_tcp_request(d, r->role, &r->local, &r->remote);

		if (!q || hist_merge(&q->lat, &r->lat))
			return -1;
		q->count += r->count;
	}
	if (proc_merge_app(d, s))
		return -1;
	if (hist_merge(&d->sched.runq, &s->sched.runq))
		return -1;
	d->sched.oncpu_ns += s->sched.oncpu_ns;
	d->alloc.page_faults += s->alloc.page_faults;
	/* RSS is a level: the latest reading wins. */
	if (s->alloc.rss_bytes) {
		d->alloc.rss_bytes = s->alloc.rss_bytes;
		d->alloc.rss_anon = s->alloc.rss_anon;
		d->alloc.rss_file = s->alloc.rss_file;
		d->alloc.rss_shmem = s->alloc.rss_shmem;
	}
	/* One interval is one point of the trend; merged windows keep theirs. */
	if (s->alloc.anon_trend.n)
		trend_fit_merge(&d->alloc.anon_trend, &s->alloc.anon_trend);
	else if (s->alloc.rss_bytes)
		trend_fit_add(&d->alloc.anon_trend, end_ns, (double)s->alloc.rss_anon);
	d->alloc.reclaim_count += s->alloc.reclaim_count;
	d->alloc.reclaim_total_ns += s->alloc.reclaim_total_ns;
	if (s->alloc.reclaim_max_ns > d->alloc.reclaim_max_ns)
		d->alloc.reclaim_max_ns = s->alloc.reclaim_max_ns;
	if (s->alloc.has_malloc) {
		d->alloc.has_malloc = true;
		d->alloc.malloc.calls += s->alloc.malloc.calls;
		d->alloc.malloc.frees += s->alloc.malloc.frees;
		d->alloc.malloc.bytes += s->alloc.malloc.bytes;
		/* A level, not a flow: the newest interval has it. */
		d->alloc.malloc.outstanding_bytes = s->alloc.malloc.outstanding_bytes;
		d->alloc.malloc.probe_cost_ns = s->alloc.malloc.probe_cost_ns;
		d->alloc.malloc.attached_ns += s->alloc.malloc.attached_ns;
		if (hist_merge(&d->alloc.malloc.lat, &s->alloc.malloc.lat))
			return -1;
	}
	return 0;
}

const char *snapshot_probe_name(unsigned int i)
{
	static const char *const names[SNAPSHOT_PROBE_SETS] = {"syscall", "tcp",   "sched",
							       "mem",	  "alloc", "proto"};

	return i < SNAPSHOT_PROBE_SETS ? names[i] : "?";
}

int snapshot_merge(struct snapshot *dst, const struct snapshot *src)
{
	if (!dst->started_at_ns || (src->started_at_ns && src->started_at_ns < dst->started_at_ns))
		dst->started_at_ns = src->started_at_ns;
	if (!dst->host[0])
		memcpy(dst->host, src->host, sizeof(dst->host));
	if (!dst->kernel[0])
		memcpy(dst->kernel, src->kernel, sizeof(dst->kernel));
	dst->duration_ns += src->duration_ns;
	dst->lost_events += src->lost_events;
	dst->probe_syscalls += src->probe_syscalls;
	dst->probes |= src->probes;
	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++)
		if ((src->probes_failed & (1u << i)) && !(dst->probes_failed & (1u << i)))
			memcpy(dst->probe_errors[i], src->probe_errors[i],
			       sizeof(dst->probe_errors[i]));
	dst->probes_failed |= src->probes_failed;
	if (src->tcp_sample > dst->tcp_sample)
		dst->tcp_sample = src->tcp_sample;
	if (src->slow_query_ns > dst->slow_query_ns)
		dst->slow_query_ns = src->slow_query_ns;
	for (size_t i = 0; i < src->n_procs; i++) {
		struct proc_snapshot *d = snapshot_proc(dst, src->procs[i].pid);

		if (!d || proc_merge(d, &src->procs[i], src->started_at_ns + src->duration_ns))
			return -1;
	}
	return 0;
}
