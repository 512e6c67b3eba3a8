// SPDX-License-Identifier: GPL-2.0
/* Unit tests: the binary snapshot encoding is lossless and rejects bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/snapshot_wire.h"
#include "top_fixture.h"

static void assert_same_hist(const struct hist *a, const struct hist *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->sum_ns, b->sum_ns);
	assert_int_equal(a->max_ns, b->max_ns);
	assert_int_equal(a->min_ns, b->min_ns);
	assert_int_equal(a->n, b->n);
	for (uint32_t i = 0; i < a->n; i++) {
		assert_int_equal(a->bins[i].slot, b->bins[i].slot);
		assert_int_equal(a->bins[i].count, b->bins[i].count);
	}
	for (double q = 0; q <= 1.0; q += 0.01)
		assert_int_equal(hist_quantile(a, q), hist_quantile(b, q));
}

static void assert_same_endpoint(const struct endpoint *a, const struct endpoint *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->port, b->port);
	assert_memory_equal(a->addr, b->addr, sizeof(a->addr));
}

static void assert_same_remotes(const struct tcp_remote_stat *a, const struct tcp_remote_stat *b,
				size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_same_endpoint(&a[i].remote, &b[i].remote);
		assert_int_equal(a[i].count, b[i].count);
		assert_int_equal(a[i].errors, b[i].errors);
		assert_same_hist(&a[i].lat, &b[i].lat);
	}
}

static void assert_same_tcp(const struct proc_snapshot *a, const struct proc_snapshot *b)
{
	assert_int_equal(a->tcp.n_connect, b->tcp.n_connect);
	assert_same_remotes(a->tcp.connect, b->tcp.connect, a->tcp.n_connect);
	assert_int_equal(a->tcp.n_rtt, b->tcp.n_rtt);
	assert_same_remotes(a->tcp.rtt, b->tcp.rtt, a->tcp.n_rtt);
	assert_int_equal(a->tcp.retransmits, b->tcp.retransmits);
	assert_int_equal(a->tcp.sample, b->tcp.sample);
	assert_int_equal(a->tcp.n_requests, b->tcp.n_requests);
	for (size_t i = 0; i < a->tcp.n_requests; i++) {
		const struct tcp_request_stat *x = &a->tcp.requests[i], *y = &b->tcp.requests[i];

		assert_int_equal(x->role, y->role);
		assert_same_endpoint(&x->local, &y->local);
		assert_same_endpoint(&x->remote, &y->remote);
		assert_int_equal(x->count, y->count);
		assert_same_hist(&x->lat, &y->lat);
	}
}

static void assert_same_alloc(const struct proc_snapshot *a, const struct proc_snapshot *b)
{
	const struct malloc_stat *x = &a->alloc.malloc, *y = &b->alloc.malloc;

	assert_int_equal(a->alloc.page_faults, b->alloc.page_faults);
	assert_int_equal(a->alloc.rss_bytes, b->alloc.rss_bytes);
	assert_int_equal(a->alloc.reclaim_count, b->alloc.reclaim_count);
	assert_int_equal(a->alloc.reclaim_total_ns, b->alloc.reclaim_total_ns);
	assert_int_equal(a->alloc.reclaim_max_ns, b->alloc.reclaim_max_ns);
	assert_int_equal(a->alloc.has_malloc, b->alloc.has_malloc);
	assert_int_equal(x->calls, y->calls);
	assert_int_equal(x->frees, y->frees);
	assert_int_equal(x->bytes, y->bytes);
	assert_int_equal(x->outstanding_bytes, y->outstanding_bytes);
	assert_same_hist(&x->lat, &y->lat);
	assert_int_equal(x->probe_cost_ns, y->probe_cost_ns);
	assert_int_equal(x->attached_ns, y->attached_ns);
}

static void assert_same_app(const struct proc_snapshot *a, const struct proc_snapshot *b)
{
	assert_int_equal(a->app.n_requests, b->app.n_requests);
	for (size_t i = 0; i < a->app.n_requests; i++) {
		const struct app_request_stat *x = &a->app.requests[i], *y = &b->app.requests[i];

		assert_int_equal(x->proto, y->proto);
		assert_int_equal(x->role, y->role);
		assert_int_equal(x->status, y->status);
		assert_string_equal(x->method, y->method);
		assert_int_equal(x->fingerprint, y->fingerprint);
		assert_string_equal(x->text, y->text);
		assert_int_equal(x->count, y->count);
		assert_int_equal(x->errors, y->errors);
		assert_int_equal(x->hits, y->hits);
		assert_int_equal(x->misses, y->misses);
		assert_same_hist(&x->lat, &y->lat);
	}
	assert_int_equal(a->app.n_slow, b->app.n_slow);
	for (size_t i = 0; i < a->app.n_slow; i++) {
		const struct slow_query *x = &a->app.slow[i], *y = &b->app.slow[i];

		assert_string_equal(x->text, y->text);
		assert_int_equal(x->fingerprint, y->fingerprint);
		assert_int_equal(x->latency_ns, y->latency_ns);
		assert_int_equal(x->end_ns, y->end_ns);
		assert_int_equal(x->role, y->role);
		assert_same_endpoint(&x->peer, &y->peer);
	}
}

static void assert_same_proc(const struct proc_snapshot *a, const struct proc_snapshot *b)
{
	assert_int_equal(a->pid, b->pid);
	assert_string_equal(a->comm, b->comm);
	assert_string_equal(a->cgroup ? a->cgroup : "", b->cgroup);
	assert_string_equal(a->service, b->service);
	assert_int_equal(a->service_key, b->service_key);
	assert_int_equal(a->exited, b->exited);
	assert_int_equal(a->n_syscalls, b->n_syscalls);
	for (size_t i = 0; i < a->n_syscalls; i++) {
		assert_int_equal(a->syscalls[i].nr, b->syscalls[i].nr);
		assert_int_equal(a->syscalls[i].count, b->syscalls[i].count);
		assert_int_equal(a->syscalls[i].errors, b->syscalls[i].errors);
		assert_same_hist(&a->syscalls[i].lat, &b->syscalls[i].lat);
	}
	assert_int_equal(a->n_slow, b->n_slow);
	assert_memory_equal(a->slow, b->slow, a->n_slow * sizeof(a->slow[0]));
	assert_same_tcp(a, b);
	assert_same_app(a, b);
	assert_same_hist(&a->sched.runq, &b->sched.runq);
	assert_int_equal(a->sched.oncpu_ns, b->sched.oncpu_ns);
	assert_same_alloc(a, b);
}

static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	assert_string_equal(a->host, b->host);
	assert_string_equal(a->kernel, b->kernel);
	assert_int_equal(a->started_at_ns, b->started_at_ns);
	assert_int_equal(a->duration_ns, b->duration_ns);
	assert_int_equal(a->lost_events, b->lost_events);
	assert_int_equal(a->probe_syscalls, b->probe_syscalls);
	assert_int_equal(a->probes, b->probes);
	assert_int_equal(a->probes_failed, b->probes_failed);
	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++)
		assert_string_equal(a->probe_errors[i], b->probe_errors[i]);
	assert_int_equal(a->tcp_sample, b->tcp_sample);
	assert_int_equal(a->n_procs, b->n_procs);
	for (size_t i = 0; i < a->n_procs; i++) {
		assert_same_proc(&a->procs[i], &b->procs[i]);
		/* The decoded snapshot's pid index works. */
		assert_ptr_equal(snapshot_find(b, a->procs[i].pid), &b->procs[i]);
	}
}

/* Application-protocol rows of every protocol, extreme values, UTF-8 and
 * control characters in texts, slow statements over TCP (IPv6) and unix. */
static void rich_app(struct snapshot *s, struct proc_snapshot *p, const struct endpoint *v6)
{
	struct app_request_stat *r;
	struct slow_query q = {.text = "SELECT pg_sleep($1)",
			       .fingerprint = UINT64_MAX,
			       .latency_ns = 120 * MS,
			       .end_ns = s->started_at_ns + 700 * MS,
			       .role = TCP_ROLE_CLIENT,
			       .peer = *v6};

	r = proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "OPTIONS-LONGER15", 500,
			     0x0123456789abcdefULL, "/caf\xc3\xa9/{id}\n");
	record_n(&r->lat, 20 * MS, 7);
	r->count = 9;
	r->errors = 9;
	r = proc_app_request(p, APP_PGSQL, TCP_ROLE_CLIENT, NULL, 0, 42,
			     "SELECT * FROM t WHERE a IN ($1) AND b = $2");
	record_n(&r->lat, 3 * MS, 3);
	r->count = UINT64_MAX;
	r->errors = 1;
	r = proc_app_request(p, APP_REDIS, TCP_ROLE_CLIENT, "GET", 0, 0, NULL);
	r->count = 1000;
	r->hits = 900;
	r->misses = 100;
	proc_add_slow_query(p, &q);
	q.text = "";
	q.peer = (struct endpoint){0};
	q.role = TCP_ROLE_SERVER;
	q.end_ns = s->started_at_ns - 5 * MS; /* ended before the window */
	proc_add_slow_query(p, &q);
}

/* The fixture plus what it lacks: a wide distribution, IPv6, malloc,
 * extreme values, a slow call ending before the window start. */
static void rich_snapshot(struct snapshot *s)
{
	struct endpoint v6 = {.family = AF_INET6, .port = 443};
	struct proc_snapshot *p;
	struct slow_call early = {.tid = 7, .nr = 0, .ret = -11, .latency_ns = UINT64_MAX};

	fixture_snapshot(s);
	s->probes = PROBE_SYSCALL | PROBE_SCHED | PROBE_MEM;
	/* Sets that could not load travel with why, at full length. */
	s->probes_failed = PROBE_TCP | PROBE_ALLOC;
	strcpy(s->probe_errors[1], "attach failed: Operation not permitted");
	memset(s->probe_errors[4], 'x', sizeof(s->probe_errors[4]) - 1);
	s->tcp_sample = 8;
	snapshot_find(s, 100)->tcp.sample = 4;
	p = snapshot_proc(s, UINT32_MAX);
	p->tcp.sample = UINT32_MAX;
	strcpy(p->comm, "fifteen-chars-x");
	strcpy(p->service, "postgres");
	p->service_key = 0xfedcba9876543210ULL;
	p->exited = true;
	for (uint64_t v = 1; v < 5000000000ULL; v = v * 3 / 2 + 1)
		hist_record(&proc_syscall(p, 17)->lat, v);
	proc_syscall(p, 17)->count = UINT64_MAX;
	hist_record(&proc_syscall(p, 4000000000u)->lat, UINT64_MAX);
	inet_pton(AF_INET6, "2001:db8::1", v6.addr);
	record_n(&proc_tcp_connect(p, &v6)->lat, 3 * MS, 5);
	proc_tcp_connect(p, &v6)->errors = 2;
	proc_tcp_request(p, TCP_ROLE_SERVER, &v6, NULL)->count = 1;
	early.end_ns = s->started_at_ns - 5 * MS;
	proc_add_slow(p, &early);
	p->alloc.has_malloc = true;
	p->alloc.malloc = (struct malloc_stat){.calls = 10,
					       .frees = 12,
					       .bytes = 4096,
					       .outstanding_bytes = -2048,
					       .probe_cost_ns = 35,
					       .attached_ns = 200 * MS};
	record_n(&p->alloc.malloc.lat, 80, 10);
	p->alloc.reclaim_count = 2;
	p->alloc.reclaim_total_ns = 3 * MS;
	p->alloc.reclaim_max_ns = 2 * MS;
	rich_app(s, p, &v6);
}

static void encode(const struct snapshot *s, struct textbuf *out)
{
	memset(out, 0, sizeof(*out));
	assert_int_equal(snapshot_encode(s, out), 0);
}

static void test_round_trip(void **state)
{
	struct snapshot orig, back;
	struct textbuf buf;
	size_t used = 0;

	rich_snapshot(&orig);
	encode(&orig, &buf);
	snapshot_init(&back);
	assert_int_equal(snapshot_decode(buf.s, buf.len, &back, NULL), 0);
	assert_same_snapshot(&orig, &back);
	/* The worker's 20 ms sleeps, as the fixture recorded them. */
	assert_true(near((double)hist_quantile(&snapshot_find(&back, 200)->syscalls[0].lat, 0.99),
			 20 * MS, 6.25));
	snapshot_free(&back);

	/* Followed by more bytes: @used tells where the snapshot ends. */
	textbuf_puts(&buf, "[]");
	snapshot_init(&back);
	assert_int_equal(snapshot_decode(buf.s, buf.len, &back, &used), 0);
	assert_int_equal(used, buf.len - 2);
	assert_same_snapshot(&orig, &back);
	snapshot_free(&back);
	snapshot_init(&back);
	assert_int_equal(snapshot_decode(buf.s, buf.len, &back, NULL), -EINVAL);
	snapshot_free(&back);

	snapshot_free(&orig);
	textbuf_free(&buf);
}

static void test_empty(void **state)
{
	struct snapshot orig, back;
	struct textbuf buf;

	snapshot_init(&orig);
	encode(&orig, &buf);
	snapshot_init(&back);
	assert_int_equal(snapshot_decode(buf.s, buf.len, &back, NULL), 0);
	assert_same_snapshot(&orig, &back);
	snapshot_free(&back);
	textbuf_free(&buf);
}

/* Every prefix is incomplete, whether or not more may follow it. */
static void test_truncated(void **state)
{
	struct snapshot orig, back;
	struct textbuf buf;
	size_t used;

	rich_snapshot(&orig);
	encode(&orig, &buf);
	for (size_t len = 0; len < buf.len; len++) {
		/* An exact-size copy, so ASan sees any read past the end. */
		char *cut = malloc(len ? len : 1);

		memcpy(cut, buf.s, len);
		snapshot_init(&back);
		if (snapshot_decode(cut, len, &back, NULL) != -EINVAL)
			fail_msg("prefix of %zu bytes accepted", len);
		snapshot_free(&back);
		snapshot_init(&back);
		if (snapshot_decode(cut, len, &back, &used) != -EINVAL)
			fail_msg("prefix of %zu bytes accepted with more to follow", len);
		snapshot_free(&back);
		free(cut);
	}
	snapshot_free(&orig);
	textbuf_free(&buf);
}

static int decode_bytes(const void *bytes, size_t len)
{
	struct snapshot back;
	int err;

	snapshot_init(&back);
	err = snapshot_decode(bytes, len, &back, NULL);
	snapshot_free(&back);
	return err;
}

/* Another version, or no snapshot at all (a JSON report), is told apart. */
static void test_other_version(void **state)
{
	static const char json[] = "{\"schema\":\"hivemon.report/v1\",\"processes\":[]}";
	struct snapshot orig;
	struct textbuf buf;

	snapshot_init(&orig);
	encode(&orig, &buf);
	buf.s[4]++;
	assert_int_equal(decode_bytes(buf.s, buf.len), -EPROTONOSUPPORT);
	buf.s[4]--;
	buf.s[0] = 'X';
	assert_int_equal(decode_bytes(buf.s, buf.len), -EPROTONOSUPPORT);
	assert_int_equal(decode_bytes(json, strlen(json)), -EPROTONOSUPPORT);
	textbuf_free(&buf);
}

/* Every byte changed to every other value of interest: never a crash, and
 * whatever decodes is a consistent snapshot ASan lets us free. */
static void test_corrupted(void **state)
{
	static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	struct snapshot orig;
	struct textbuf buf;
	char *copy;

	rich_snapshot(&orig);
	encode(&orig, &buf);
	copy = malloc(buf.len);
	for (size_t at = 0; at < buf.len; at++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			int err;

			memcpy(copy, buf.s, buf.len);
			copy[at] = (char)values[v];
			err = decode_bytes(copy, buf.len);
			assert_true(err == 0 || err == -EINVAL || err == -EPROTONOSUPPORT);
		}
	}
	free(copy);
	snapshot_free(&orig);
	textbuf_free(&buf);
}

/* Counts larger than the message, unsorted buckets and a pid twice. */
static void test_hostile(void **state)
{
	/* Header, then nine zero fields, then 2^64 - 1 processes. */
	static const uint8_t huge_procs[] = {'H',  'V',	 'S',  'W',  SNAPSHOT_WIRE_VERSION,
					     0,	   0,	 0,    0,    0,
					     0,	   0,	 0,    0,    0,
					     0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0x01};
	/* A failed set beyond the ones there are. */
	static const uint8_t bad_failed[] = {
		'H', 'V', 'S', 'W', SNAPSHOT_WIRE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0};
	struct snapshot orig;
	struct textbuf buf;
	char *at;

	assert_int_equal(decode_bytes(huge_procs, sizeof(huge_procs)), -EINVAL);
	assert_int_equal(decode_bytes(bad_failed, sizeof(bad_failed)), -EINVAL);

	/* Two records of one pid. */
	fixture_snapshot(&orig);
	snapshot_find(&orig, 200)->pid = 100;
	encode(&orig, &buf);
	assert_int_equal(decode_bytes(buf.s, buf.len), -EINVAL);
	snapshot_free(&orig);
	textbuf_free(&buf);

	/* A sample ratio beyond 32 bits: UINT32_MAX's last varint byte raised. */
	snapshot_init(&orig);
	snapshot_proc(&orig, 7)->tcp.sample = UINT32_MAX;
	encode(&orig, &buf);
	at = memmem(buf.s, buf.len, "\xff\xff\xff\xff\x0f", 5);
	assert_non_null(at);
	assert_int_equal(decode_bytes(buf.s, buf.len), 0);
	at[4] = 0x1f;
	assert_int_equal(decode_bytes(buf.s, buf.len), -EINVAL);
	snapshot_free(&orig);
	textbuf_free(&buf);

	/* A bucket beyond the last slot. */
	snapshot_init(&orig);
	hist_record(&snapshot_proc(&orig, 1)->sched.runq, 5);
	snapshot_find(&orig, 1)->sched.runq.bins[0].slot = HIST_NSLOTS;
	encode(&orig, &buf);
	assert_int_equal(decode_bytes(buf.s, buf.len), -EINVAL);
	snapshot_free(&orig);
	textbuf_free(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated),  cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_corrupted),  cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
