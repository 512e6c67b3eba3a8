// SPDX-License-Identifier: GPL-2.0
/* Metric names and the series they take from a hand-built window snapshot. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"
#include "probes/probe.h"

#define SEC 1000000000ULL

struct seen {
	char line[16][160];
	double value[16];
	size_t n;
};

static void collect(void *ctx, const struct series_labels *l, double value)
{
	struct seen *s = ctx;
	size_t at = 0;

	assert_true(s->n < 16);
	for (int i = 0; i < METRIC_LABELS_MAX; i++) {
		const char *v = series_label(l, metric_label_names[i]);

		if (v)
			at += (size_t)snprintf(s->line[s->n] + at, sizeof(s->line[0]) - at,
					       "%s=%s ", metric_label_names[i], v);
	}
	s->value[s->n++] = value;
}

static struct seen series_of(const struct snapshot *w, const char *name)
{
	struct metric_id id;
	struct seen s = {.n = 0};

	assert_int_equal(metric_parse(name, &id), 0);
	metrics_foreach(w, &id, collect, &s);
	return s;
}

static void endpoint_v4(struct endpoint *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->port = port;
	inet_pton(AF_INET, addr, ep->addr);
}

/* A 2 s window: pid 7 "api" serving :8080 and calling a database at :5432. */
static void build(struct snapshot *w)
{
	struct endpoint listen, db;
	struct proc_snapshot *p;
	struct tcp_request_stat *r;
	struct syscall_stat *sc;

	snapshot_init(w);
	w->duration_ns = 2 * SEC;
	w->probes = PROBES_DEFAULT;
	p = snapshot_proc(w, 7);
	strcpy(p->comm, "api");
	endpoint_v4(&listen, "0.0.0.0", 8080);
	endpoint_v4(&db, "127.0.0.1", 5432);
	r = proc_tcp_request(p, TCP_ROLE_SERVER, &listen, NULL);
	for (int i = 1; i <= 100; i++)
		hist_record(&r->lat, (uint64_t)i * 1000000); /* 1..100 ms */
	r->count = 100;
	r = proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &db);
	for (int i = 0; i < 10; i++)
		hist_record(&r->lat, 120 * 1000000ULL);
	r->count = 10;
	sc = proc_syscall(p, 230);
	hist_record(&sc->lat, 20 * 1000000ULL);
	sc->count = 3;			   /* sampled: 3 calls, 1 timed */
	p->sched.oncpu_ns = SEC + SEC / 2; /* 1.5 s of 2 s */
	p->alloc.rss_bytes = 90ULL << 20;
	p->tcp.retransmits = 6;
	p->alloc.reclaim_count = 2;
	p->alloc.reclaim_total_ns = 3000000;
	p->alloc.reclaim_max_ns = 2000000;

	p = snapshot_proc(w, 8); /* exited during the window: no series */
	strcpy(p->comm, "gone");
	p->exited = true;
	p->alloc.rss_bytes = 1 << 20;
}

static void test_names(void **unused)
{
	struct metric_id id;

	assert_int_equal(metric_parse("syscall.latency.p99", &id), 0);
	assert_int_equal(id.stat, STAT_P99);
	assert_int_equal(metric_unit(&id), UNIT_NS);
	assert_int_equal(metric_parse("syscall.latency.rate", &id), 0);
	assert_int_equal(metric_unit(&id), UNIT_PER_SEC);
	assert_int_equal(metric_parse("mem.rss", &id), 0);
	assert_int_equal(metric_unit(&id), UNIT_BYTES);
	assert_int_equal(metric_parse("cpu.usage", &id), 0);
	assert_int_equal(metric_unit(&id), UNIT_PERCENT);
	assert_true(metric_has_label(&id, "comm"));
	assert_true(metric_has_label(&id, "service"));
	assert_false(metric_has_label(&id, "endpoint"));
	assert_int_equal(metric_parse("tcp.request.latency.p50", &id), 0);
	assert_true(metric_has_label(&id, "role"));
	assert_true(metric_has_label(&id, "endpoint"));
	assert_false(metric_has_label(&id, "syscall"));
	assert_int_not_equal(metric_parse("syscall.latency", &id), 0);
	assert_int_not_equal(metric_parse("mem.rss.p99", &id), 0);
	assert_int_not_equal(metric_parse("alloc.reclaim.stall.p99", &id), 0);
	assert_int_not_equal(metric_parse("syscall.latencyx.p99", &id), 0);
	assert_int_equal(metric_parse("alloc.reclaim.stall.max", &id), 0);
}

static void test_series(void **unused)
{
	struct snapshot w;
	struct seen s;

	build(&w);
	s = series_of(&w, "tcp.request.latency.p99");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0],
			    "comm=api pid=7 service=api role=server endpoint=0.0.0.0:8080 ");
	assert_true(s.value[0] > 99e6 * 0.95 && s.value[0] < 99e6 * 1.05);
	assert_string_equal(s.line[1],
			    "comm=api pid=7 service=api role=client endpoint=127.0.0.1:5432 ");
	s = series_of(&w, "tcp.request.latency.rate");
	assert_true(s.value[0] == 50.0); /* 100 in 2 s */
	s = series_of(&w, "tcp.request.latency.max");
	assert_true(s.value[0] == 100e6);
	s = series_of(&w, "syscall.latency.rate");
	assert_string_equal(s.line[0], "comm=api pid=7 service=api syscall=clock_nanosleep ");
	assert_true(s.value[0] == 1.5); /* exact count, not the timed samples */
	s = series_of(&w, "cpu.usage");
	assert_int_equal(s.n, 1);
	assert_true(s.value[0] == 75.0);
	s = series_of(&w, "mem.rss");
	assert_int_equal(s.n, 1); /* the exited process has none */
	assert_true(s.value[0] == 90.0 * 1024 * 1024);
	s = series_of(&w, "tcp.retransmits");
	assert_true(s.value[0] == 3.0);
	s = series_of(&w, "alloc.reclaim.stall.avg");
	assert_true(s.value[0] == 1.5e6);
	s = series_of(&w, "alloc.malloc.latency.p99");
	assert_int_equal(s.n, 0); /* no --alloc data */
	snapshot_free(&w);
}

static void test_pools(void **unused)
{
	struct tcp_remote_stat *c;
	struct endpoint db;
	struct snapshot w;
	struct seen s;

	build(&w);
	/* 10 exchanges of 120 ms in 2 s: 0.6 connections busy. */
	s = series_of(&w, "pool.busy");
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "comm=api pid=7 service=api endpoint=127.0.0.1:5432 ");
	assert_true(s.value[0] > 0.599 && s.value[0] < 0.601);
	s = series_of(&w, "pool.verdict");
	assert_int_equal(s.n, 1);
	assert_true(s.value[0] == 0); /* ok */
	/* A connect per exchange: no-pooling (3). */
	endpoint_v4(&db, "127.0.0.1", 5432);
	c = proc_tcp_connect(snapshot_find(&w, 7), &db);
	c->count = 10;
	s = series_of(&w, "pool.verdict");
	assert_true(s.value[0] == 3);
	snapshot_free(&w);
}

static void test_format(void **unused)
{
	char buf[32];

	assert_string_equal(metric_format(UNIT_NS, 212e6, buf, sizeof(buf)), "212ms");
	assert_string_equal(metric_format(UNIT_NS, 1.5e9, buf, sizeof(buf)), "1.5s");
	assert_string_equal(metric_format(UNIT_NS, 850, buf, sizeof(buf)), "850ns");
	assert_string_equal(metric_format(UNIT_BYTES, 100.0 * 1024 * 1024, buf, sizeof(buf)),
			    "100.0MB");
	assert_string_equal(metric_format(UNIT_PERCENT, 85.25, buf, sizeof(buf)), "85.2%");
	assert_string_equal(metric_format(UNIT_PER_SEC, 12.5, buf, sizeof(buf)), "12.5/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
