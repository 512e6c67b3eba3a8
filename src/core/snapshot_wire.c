// SPDX-License-Identifier: GPL-2.0
/* Binary encoding of a snapshot: varint writer, bounds-checked reader. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/snapshot_wire.h"

static const char wire_magic[4] = {'H', 'V', 'S', 'W'};
#define WIRE_HEADER_LEN (sizeof(wire_magic) + 2)

/*
 * Smallest encoding of one element of each list: a count larger than the
 * bytes left could hold is a lie, rejected before anything is allocated.
 */
#define MIN_PROC	25
#define MIN_SYSCALL	8
#define MIN_SLOW	5
#define MIN_REMOTE	9
#define MIN_REQUEST	11
#define MIN_BIN		2
#define MIN_APP_REQUEST 15
#define MIN_APP_SLOW	7

/* ---- writer --------------------------------------------------------------- */

static void put_u64(struct textbuf *b, uint64_t v)
{
	char bytes[10];
	size_t n = 0;

	do {
		bytes[n] = (char)(v & 0x7f);
		v >>= 7;
		if (v)
			bytes[n] |= (char)0x80;
		n++;
	} while (v);
	textbuf_put(b, bytes, n);
}

static void put_i64(struct textbuf *b, int64_t v)
{
	put_u64(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_str(struct textbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u64(b, n);
	textbuf_put(b, s ? s : "", n);
}

static void put_hist(struct textbuf *b, const struct hist *h)
{
	put_u64(b, h->count);
	put_u64(b, h->sum_ns);
	put_u64(b, h->max_ns);
	put_u64(b, h->min_ns);
	put_u64(b, h->n);
	/* Slots are sorted: the gap to the previous one is a byte or two. */
	for (uint32_t i = 0; i < h->n; i++) {
		put_u64(b, i ? h->bins[i].slot - h->bins[i - 1].slot - 1 : h->bins[i].slot);
		put_u64(b, h->bins[i].count);
	}
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0;
}

static void put_endpoint(struct textbuf *b, const struct endpoint *ep)
{
	put_u64(b, ep->family);
	put_u64(b, ep->port);
	textbuf_put(b, (const char *)ep->addr, addr_len(ep->family));
}

static void put_remotes(struct textbuf *b, const struct tcp_remote_stat *st, size_t n)
{
	put_u64(b, n);
	for (size_t i = 0; i < n; i++) {
		put_endpoint(b, &st[i].remote);
		put_u64(b, st[i].count);
		put_u64(b, st[i].errors);
		put_hist(b, &st[i].lat);
	}
}

static void put_tcp(struct textbuf *b, const struct proc_snapshot *p)
{
	put_remotes(b, p->tcp.connect, p->tcp.n_connect);
	put_remotes(b, p->tcp.rtt, p->tcp.n_rtt);
	put_u64(b, p->tcp.retransmits);
	put_u64(b, p->tcp.sample);
	put_u64(b, p->tcp.n_requests);
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];

		put_u64(b, r->role);
		put_endpoint(b, &r->local);
		put_endpoint(b, &r->remote);
		put_u64(b, r->count);
		put_hist(b, &r->lat);
	}
}

static void put_app(struct textbuf *b, const struct snapshot *s, const struct proc_snapshot *p)
{
	put_u64(b, p->app.n_requests);
	for (size_t i = 0; i < p->app.n_requests; i++) {
		const struct app_request_stat *r = &p->app.requests[i];

		put_u64(b, r->proto);
		put_u64(b, r->role);
		put_u64(b, r->status);
		put_str(b, r->method);
		put_u64(b, r->fingerprint);
		put_str(b, r->text);
		put_u64(b, r->count);
		put_u64(b, r->errors);
		put_u64(b, r->hits);
		put_u64(b, r->misses);
		put_hist(b, &r->lat);
	}
	put_u64(b, p->app.n_slow);
	for (size_t i = 0; i < p->app.n_slow; i++) {
		const struct slow_query *q = &p->app.slow[i];

		put_str(b, q->text);
		put_u64(b, q->fingerprint);
		put_u64(b, q->latency_ns);
		put_i64(b, (int64_t)(q->end_ns - s->started_at_ns));
		put_u64(b, q->role);
		put_endpoint(b, &q->peer);
	}
}

static void put_alloc(struct textbuf *b, const struct proc_snapshot *p)
{
	const struct malloc_stat *m = &p->alloc.malloc;

	put_u64(b, p->alloc.page_faults);
	put_u64(b, p->alloc.rss_bytes);
	put_u64(b, p->alloc.rss_anon);
	put_u64(b, p->alloc.rss_file);
	put_u64(b, p->alloc.rss_shmem);
	put_u64(b, p->alloc.reclaim_count);
	put_u64(b, p->alloc.reclaim_total_ns);
	put_u64(b, p->alloc.reclaim_max_ns);
	put_u64(b, p->alloc.has_malloc);
	if (!p->alloc.has_malloc)
		return;
	put_u64(b, m->calls);
	put_u64(b, m->frees);
	put_u64(b, m->bytes);
	put_i64(b, m->outstanding_bytes);
	put_hist(b, &m->lat);
	put_u64(b, m->probe_cost_ns);
	put_u64(b, m->attached_ns);
}

static void put_proc(struct textbuf *b, const struct snapshot *s, const struct proc_snapshot *p)
{
	put_u64(b, p->pid);
	put_str(b, p->comm);
	put_str(b, p->cgroup);
	put_str(b, p->service);
	put_u64(b, p->service_key);
	put_u64(b, p->exited);
	put_u64(b, p->n_syscalls);
	for (size_t i = 0; i < p->n_syscalls; i++) {
		put_u64(b, p->syscalls[i].nr);
		put_u64(b, p->syscalls[i].count);
		put_u64(b, p->syscalls[i].errors);
		put_hist(b, &p->syscalls[i].lat);
	}
	put_u64(b, p->n_slow);
	for (size_t i = 0; i < p->n_slow; i++) {
		const struct slow_call *c = &p->slow[i];

		put_u64(b, c->tid);
		put_u64(b, c->nr);
		put_i64(b, c->ret);
		put_u64(b, c->latency_ns);
		/* Near the window start: a few bytes instead of nine. */
		put_i64(b, (int64_t)(c->end_ns - s->started_at_ns));
	}
	put_tcp(b, p);
	put_app(b, s, p);
	put_hist(b, &p->sched.runq);
	put_u64(b, p->sched.oncpu_ns);
	put_alloc(b, p);
}

int snapshot_encode(const struct snapshot *s, struct textbuf *out)
{
	const uint8_t version[2] = {SNAPSHOT_WIRE_VERSION & 0xff, SNAPSHOT_WIRE_VERSION >> 8};

	textbuf_put(out, wire_magic, sizeof(wire_magic));
	textbuf_put(out, (const char *)version, sizeof(version));
	put_str(out, s->host);
	put_str(out, s->kernel);
	put_u64(out, s->started_at_ns);
	put_u64(out, s->duration_ns);
	put_u64(out, s->lost_events);
	put_u64(out, s->probe_syscalls);
	put_u64(out, s->probes);
	put_u64(out, s->probes_failed);
	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++)
		if (s->probes_failed & (1u << i))
			put_str(out, s->probe_errors[i]);
	put_u64(out, s->tcp_sample);
	put_u64(out, s->n_procs);
	for (size_t i = 0; i < s->n_procs; i++)
		put_proc(out, s, &s->procs[i]);
	return out->oom ? -ENOMEM : 0;
}

/* ---- reader --------------------------------------------------------------- */

/* The first error sticks; later reads return zeroes and change nothing. */
struct reader {
	const uint8_t *p, *end;
	int err;
};

static void fail(struct reader *r, int err)
{
	if (!r->err)
		r->err = err;
	r->p = r->end;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (r->p == r->end)
			break;
		byte = *r->p++;
		/* The tenth byte has room for one bit only. */
		if (shift == 63 && byte > 1)
			break;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	fail(r, -EINVAL);
	return 0;
}

static int64_t get_i64(struct reader *r)
{
	uint64_t z = get_u64(r);

	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* A value at most @max. */
static uint64_t get_max(struct reader *r, uint64_t max)
{
	uint64_t v = get_u64(r);

	if (v > max) {
		fail(r, -EINVAL);
		return 0;
	}
	return v;
}

/* A count of elements that take at least @min_size bytes each. */
static size_t get_count(struct reader *r, size_t min_size)
{
	return (size_t)get_max(r, (uint64_t)(r->end - r->p) / min_size);
}

static bool get_bool(struct reader *r)
{
	return get_max(r, 1);
}

static const uint8_t *get_bytes(struct reader *r, size_t n)
{
	const uint8_t *at = r->p;

	if ((size_t)(r->end - r->p) < n) {
		fail(r, -EINVAL);
		return NULL;
	}
	r->p += n;
	return at;
}

/* @n bytes of text without NUL into @dst, which has room for the NUL;
 * "" on error. */
static void get_text(struct reader *r, char *dst, size_t n)
{
	const uint8_t *at = get_bytes(r, n);

	dst[0] = '\0';
	if (!at)
		return;
	if (memchr(at, '\0', n)) {
		fail(r, -EINVAL);
		return;
	}
	memcpy(dst, at, n);
	dst[n] = '\0';
}

/* A string into the fixed array @dst of @size bytes. */
static void get_str(struct reader *r, char *dst, size_t size)
{
	get_text(r, dst, (size_t)get_max(r, size - 1));
}

/* A string of any length, owned by the caller ("" after an error). */
static char *get_strdup(struct reader *r)
{
	size_t n = get_count(r, 1);
	char *s = malloc(n + 1);

	if (!s)
		fail(r, -ENOMEM);
	else
		get_text(r, s, n);
	return s;
}

static void get_hist(struct reader *r, struct hist *h)
{
	uint32_t n;

	h->count = get_u64(r);
	h->sum_ns = get_u64(r);
	h->max_ns = get_u64(r);
	h->min_ns = get_u64(r);
	n = (uint32_t)get_max(r, HIST_NSLOTS);
	if ((size_t)(r->end - r->p) / MIN_BIN < n) {
		fail(r, -EINVAL);
		return;
	}
	if (!n)
		return;
	h->bins = calloc(n, sizeof(*h->bins));
	if (!h->bins) {
		fail(r, -ENOMEM);
		return;
	}
	h->cap = n;
	for (uint32_t i = 0; i < n && !r->err; i++) {
		uint64_t slot = get_max(r, HIST_NSLOTS - 1);

		/* Sorted and distinct, like every struct hist. */
		if (i)
			slot += h->bins[i - 1].slot + 1;
		if (slot >= HIST_NSLOTS)
			fail(r, -EINVAL);
		h->bins[i].slot = (uint32_t)slot;
		h->bins[i].count = get_u64(r);
		h->n = i + 1;
	}
}

static void get_endpoint(struct reader *r, struct endpoint *ep)
{
	uint64_t family = get_max(r, 255);
	const uint8_t *addr;

	if (family != 0 && family != AF_INET && family != AF_INET6) {
		fail(r, -EINVAL);
		return;
	}
	ep->family = (uint8_t)family;
	ep->port = (uint16_t)get_max(r, UINT16_MAX);
	addr = get_bytes(r, addr_len(ep->family));
	if (addr)
		memcpy(ep->addr, addr, addr_len(ep->family));
}

/* Allocates @n zeroed records, so that a failure half-way frees cleanly. */
static void *get_array(struct reader *r, size_t n, size_t size)
{
	void *arr;

	if (!n || r->err)
		return NULL;
	arr = calloc(n, size);
	if (!arr)
		fail(r, -ENOMEM);
	return arr;
}

static void get_remotes(struct reader *r, struct tcp_remote_stat **arr, size_t *n, size_t *cap)
{
	size_t count = get_count(r, MIN_REMOTE);

	*arr = get_array(r, count, sizeof(**arr));
	if (!*arr)
		return;
	*n = *cap = count;
	for (size_t i = 0; i < count && !r->err; i++) {
		get_endpoint(r, &(*arr)[i].remote);
		(*arr)[i].count = get_u64(r);
		(*arr)[i].errors = get_u64(r);
		get_hist(r, &(*arr)[i].lat);
	}
}

static void get_tcp(struct reader *r, struct proc_snapshot *p)
{
	size_t n;

	get_remotes(r, &p->tcp.connect, &p->tcp.n_connect, &p->tcp.cap_connect);
	get_remotes(r, &p->tcp.rtt, &p->tcp.n_rtt, &p->tcp.cap_rtt);
	p->tcp.retransmits = get_u64(r);
	p->tcp.sample = (uint32_t)get_max(r, UINT32_MAX);
	n = get_count(r, MIN_REQUEST);
	p->tcp.requests = get_array(r, n, sizeof(*p->tcp.requests));
	if (!p->tcp.requests)
		return;
	p->tcp.n_requests = p->tcp.cap_requests = n;
	for (size_t i = 0; i < n && !r->err; i++) {
		struct tcp_request_stat *q = &p->tcp.requests[i];

		q->role = get_max(r, TCP_ROLE_CLIENT) ? TCP_ROLE_CLIENT : TCP_ROLE_SERVER;
		get_endpoint(r, &q->local);
		get_endpoint(r, &q->remote);
		q->count = get_u64(r);
		get_hist(r, &q->lat);
	}
}

static void get_app_requests(struct reader *r, struct proc_snapshot *p)
{
	size_t n = get_count(r, MIN_APP_REQUEST);

	p->app.requests = get_array(r, n, sizeof(*p->app.requests));
	if (!p->app.requests)
		return;
	p->app.n_requests = p->app.cap_requests = n;
	for (size_t i = 0; i < n && !r->err; i++) {
		struct app_request_stat *q = &p->app.requests[i];

		q->proto = (uint8_t)get_max(r, UINT8_MAX);
		q->role = (uint8_t)get_max(r, TCP_ROLE_CLIENT);
		q->status = (uint16_t)get_max(r, UINT16_MAX);
		get_str(r, q->method, sizeof(q->method));
		q->fingerprint = get_u64(r);
		q->text = get_strdup(r);
		q->count = get_u64(r);
		q->errors = get_u64(r);
		q->hits = get_u64(r);
		q->misses = get_u64(r);
		get_hist(r, &q->lat);
	}
}

static void get_app(struct reader *r, const struct snapshot *s, struct proc_snapshot *p)
{
	size_t n;

	get_app_requests(r, p);
	n = (size_t)get_max(r, PROC_MAX_SLOW_QUERIES);
	if ((size_t)(r->end - r->p) / MIN_APP_SLOW < n)
		fail(r, -EINVAL);
	for (size_t i = 0; i < n && !r->err; i++) {
		struct slow_query *q = &p->app.slow[i];

		/* Counted first: a failure half-way frees what was read. */
		p->app.n_slow = i + 1;
		q->text = get_strdup(r);
		q->fingerprint = get_u64(r);
		q->latency_ns = get_u64(r);
		q->end_ns = s->started_at_ns + (uint64_t)get_i64(r);
		q->role = (uint8_t)get_max(r, TCP_ROLE_CLIENT);
		get_endpoint(r, &q->peer);
	}
}

static void get_alloc(struct reader *r, struct proc_snapshot *p)
{
	struct malloc_stat *m = &p->alloc.malloc;

	p->alloc.page_faults = get_u64(r);
	p->alloc.rss_bytes = get_u64(r);
	p->alloc.rss_anon = get_u64(r);
	p->alloc.rss_file = get_u64(r);
	p->alloc.rss_shmem = get_u64(r);
	p->alloc.reclaim_count = get_u64(r);
	p->alloc.reclaim_total_ns = get_u64(r);
	p->alloc.reclaim_max_ns = get_u64(r);
	p->alloc.has_malloc = get_bool(r);
	if (!p->alloc.has_malloc)
		return;
	m->calls = get_u64(r);
	m->frees = get_u64(r);
	m->bytes = get_u64(r);
	m->outstanding_bytes = get_i64(r);
	get_hist(r, &m->lat);
	m->probe_cost_ns = get_u64(r);
	m->attached_ns = get_u64(r);
}

static void get_syscalls(struct reader *r, struct proc_snapshot *p)
{
	size_t n = get_count(r, MIN_SYSCALL);

	p->syscalls = get_array(r, n, sizeof(*p->syscalls));
	if (!p->syscalls)
		return;
	p->n_syscalls = p->cap_syscalls = n;
	for (size_t i = 0; i < n && !r->err; i++) {
		struct syscall_stat *sc = &p->syscalls[i];

		sc->nr = (uint32_t)get_max(r, UINT32_MAX);
		sc->count = get_u64(r);
		sc->errors = get_u64(r);
		get_hist(r, &sc->lat);
	}
}

static void get_slow(struct reader *r, const struct snapshot *s, struct proc_snapshot *p)
{
	size_t n = (size_t)get_max(r, PROC_MAX_SLOW);

	for (size_t i = 0; i < n && !r->err; i++) {
		struct slow_call *c = &p->slow[i];

		c->tid = (uint32_t)get_max(r, UINT32_MAX);
		c->nr = (uint32_t)get_max(r, UINT32_MAX);
		c->ret = get_i64(r);
		c->latency_ns = get_u64(r);
		c->end_ns = s->started_at_ns + (uint64_t)get_i64(r);
		p->n_slow = i + 1;
	}
}

static void get_proc(struct reader *r, struct snapshot *s)
{
	uint32_t pid = (uint32_t)get_max(r, UINT32_MAX);
	struct proc_snapshot *p;

	if (r->err)
		return;
	/* A pid twice would merge two records into one: not an encoding. */
	if (snapshot_find(s, pid)) {
		fail(r, -EINVAL);
		return;
	}
	p = snapshot_proc(s, pid);
	if (!p) {
		fail(r, -ENOMEM);
		return;
	}
	get_str(r, p->comm, sizeof(p->comm));
	p->cgroup = get_strdup(r);
	get_str(r, p->service, sizeof(p->service));
	p->service_key = get_u64(r);
	p->exited = get_bool(r);
	get_syscalls(r, p);
	get_slow(r, s, p);
	get_tcp(r, p);
	get_app(r, s, p);
	get_hist(r, &p->sched.runq);
	p->sched.oncpu_ns = get_u64(r);
	get_alloc(r, p);
}

int snapshot_decode(const void *buf, size_t len, struct snapshot *s, size_t *used)
{
	struct reader r = {buf, (const uint8_t *)buf + len, 0};
	const uint8_t *header = get_bytes(&r, WIRE_HEADER_LEN);
	size_t n;

	if (!header)
		return -EINVAL;
	if (memcmp(header, wire_magic, sizeof(wire_magic)) ||
	    (header[4] | header[5] << 8) != SNAPSHOT_WIRE_VERSION)
		return -EPROTONOSUPPORT;
	get_str(&r, s->host, sizeof(s->host));
	get_str(&r, s->kernel, sizeof(s->kernel));
	s->started_at_ns = get_u64(&r);
	s->duration_ns = get_u64(&r);
	s->lost_events = get_u64(&r);
	s->probe_syscalls = get_u64(&r);
	s->probes = (unsigned int)get_max(&r, UINT32_MAX);
	s->probes_failed = (unsigned int)get_max(&r, (1u << SNAPSHOT_PROBE_SETS) - 1);
	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++)
		if (s->probes_failed & (1u << i))
			get_str(&r, s->probe_errors[i], sizeof(s->probe_errors[i]));
	s->tcp_sample = (uint32_t)get_max(&r, UINT32_MAX);
	n = get_count(&r, MIN_PROC);
	for (size_t i = 0; i < n && !r.err; i++)
		get_proc(&r, s);
	if (!r.err && !used && r.p != r.end)
		fail(&r, -EINVAL); /* trailing bytes */
	if (used)
		*used = (size_t)(r.p - (const uint8_t *)buf);
	return r.err;
}
