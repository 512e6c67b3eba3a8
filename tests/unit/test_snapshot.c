// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the snapshot hub and the u64 map behind the delta caches. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/snapshot.h"
#include "util/u64map.h"

static void test_proc_lookup_creates_once(void **state)
{
	struct snapshot s;

	snapshot_init(&s);
	for (uint32_t pid = 1; pid <= 5000; pid++)
		assert_non_null(snapshot_proc(&s, pid * 7));
	assert_int_equal(s.n_procs, 5000);
	for (uint32_t pid = 1; pid <= 5000; pid++) {
		struct proc_snapshot *p = snapshot_find(&s, pid * 7);

		assert_non_null(p);
		assert_int_equal(p->pid, pid * 7);
		assert_ptr_equal(snapshot_proc(&s, pid * 7), p);
	}
	assert_null(snapshot_find(&s, 3));
	assert_int_equal(s.n_procs, 5000);
	snapshot_free(&s);
}

static void fill(struct snapshot *s, uint32_t pid, uint64_t calls, uint64_t lat_ns)
{
	struct proc_snapshot *p = snapshot_proc(s, pid);
	struct syscall_stat *sc = proc_syscall(p, 230);
	struct endpoint ep = {.family = AF_INET, .port = 5432};

	memcpy(ep.addr, (uint8_t[]){127, 0, 0, 1}, 4);
	strcpy(p->comm, "api");
	for (uint64_t i = 0; i < calls; i++)
		hist_record(&sc->lat, lat_ns);
	sc->count += calls;
	sc->errors += 1;
	struct tcp_request_stat *r = proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &ep);

	r->count += calls;
	hist_record(&r->lat, lat_ns);
	p->sched.oncpu_ns += 1000;
	p->alloc.rss_bytes = 4096 * calls;
}

static void test_merge_adds_counts_and_keeps_levels(void **state)
{
	struct snapshot a, b, total;

	snapshot_init(&a);
	snapshot_init(&b);
	snapshot_init(&total);
	fill(&a, 10, 40, 20000000);
	fill(&b, 10, 60, 10000000);
	fill(&b, 11, 5, 1000);
	a.duration_ns = b.duration_ns = 1000000000;
	assert_int_equal(snapshot_merge(&total, &a), 0);
	assert_int_equal(snapshot_merge(&total, &b), 0);

	struct proc_snapshot *p = snapshot_find(&total, 10);

	assert_non_null(p);
	assert_int_equal(p->n_syscalls, 1);
	assert_int_equal(p->syscalls[0].count, 100);
	assert_int_equal(p->syscalls[0].errors, 2);
	assert_int_equal(p->syscalls[0].lat.count, 100);
	assert_int_equal(p->syscalls[0].lat.max_ns, 20000000);
	assert_int_equal(p->tcp.n_requests, 1);
	assert_int_equal(p->tcp.requests[0].count, 100);
	assert_int_equal(p->sched.oncpu_ns, 2000);
	/* RSS is a level: the newest interval wins, it is not summed. */
	assert_int_equal(p->alloc.rss_bytes, 4096 * 60);
	assert_int_equal(total.duration_ns, 2000000000ULL);
	assert_non_null(snapshot_find(&total, 11));
	snapshot_free(&a);
	snapshot_free(&b);
	snapshot_free(&total);
}

/* Request counts of a window are estimates if any of its intervals' were. */
static void test_merge_keeps_the_largest_tcp_sample(void **state)
{
	struct snapshot a, b, total;

	snapshot_init(&a);
	snapshot_init(&b);
	snapshot_init(&total);
	snapshot_proc(&a, 1)->tcp.sample = 4;
	snapshot_proc(&b, 1)->tcp.sample = 2;
	snapshot_proc(&b, 2)->tcp.sample = 8;
	snapshot_proc(&b, 3);
	assert_int_equal(snapshot_merge(&total, &a), 0);
	assert_int_equal(snapshot_merge(&total, &b), 0);
	assert_int_equal(snapshot_find(&total, 1)->tcp.sample, 4);
	assert_int_equal(snapshot_find(&total, 2)->tcp.sample, 8);
	assert_int_equal(snapshot_find(&total, 3)->tcp.sample, 0);
	/* Merged the other way round: the same. */
	assert_int_equal(snapshot_merge(&b, &a), 0);
	assert_int_equal(snapshot_find(&b, 1)->tcp.sample, 4);
	snapshot_free(&a);
	snapshot_free(&b);
	snapshot_free(&total);
	(void)state;
}

static void test_slow_calls_keep_the_slowest(void **state)
{
	struct snapshot s;
	struct proc_snapshot *p;

	snapshot_init(&s);
	p = snapshot_proc(&s, 1);
	for (uint64_t i = 1; i <= 100; i++) {
		struct slow_call c = {.tid = 1, .nr = 0, .latency_ns = i};

		proc_add_slow(p, &c);
	}
	assert_int_equal(p->n_slow, PROC_MAX_SLOW);
	for (size_t i = 0; i < p->n_slow; i++)
		assert_true(p->slow[i].latency_ns > 100 - PROC_MAX_SLOW);
	snapshot_free(&s);
}

static void test_app_rows_merge_by_shape(void **state)
{
	struct snapshot a, b;
	struct app_request_stat *r;
	struct proc_snapshot *p;

	snapshot_init(&a);
	snapshot_init(&b);
	p = snapshot_proc(&a, 9);
	r = proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 7, "/users/{id}");
	r->count = 3;
	assert_int_equal(hist_record(&r->lat, 20000000), 0);
	/* Another status class is another row; the same shape is the same. */
	assert_ptr_not_equal(proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 500, 7, "x"), r);
	assert_ptr_equal(proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 7, "x"), r);
	r = proc_app_request(snapshot_proc(&b, 9), APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 7,
			     "/users/{id}");
	r->count = 2;
	r->errors = 1;
	assert_int_equal(snapshot_merge(&a, &b), 0);
	p = snapshot_find(&a, 9);
	assert_int_equal(p->app.n_requests, 2);
	assert_int_equal(p->app.requests[0].count, 5);
	assert_int_equal(p->app.requests[0].errors, 1);
	assert_string_equal(p->app.requests[0].text, "/users/{id}");
	snapshot_free(&a);
	snapshot_free(&b);
	(void)state;
}

static void test_slow_queries_keep_the_slowest_with_their_text(void **state)
{
	struct snapshot s;
	struct proc_snapshot *p;
	char text[32];
	uint64_t min = UINT64_MAX;

	snapshot_init(&s);
	p = snapshot_proc(&s, 4);
	for (uint64_t i = 0; i < 3 * PROC_MAX_SLOW_QUERIES; i++) {
		struct slow_query q = {.text = text,
				       .latency_ns = 1000 + (i * 7) % (3 * PROC_MAX_SLOW_QUERIES)};

		snprintf(text, sizeof(text), "q%llu", (unsigned long long)q.latency_ns);
		assert_int_equal(proc_add_slow_query(p, &q), 0);
	}
	assert_int_equal(p->app.n_slow, PROC_MAX_SLOW_QUERIES);
	for (size_t i = 0; i < p->app.n_slow; i++) {
		snprintf(text, sizeof(text), "q%llu",
			 (unsigned long long)p->app.slow[i].latency_ns);
		assert_string_equal(p->app.slow[i].text, text);
		if (p->app.slow[i].latency_ns < min)
			min = p->app.slow[i].latency_ns;
	}
	/* 1000..1047 in shuffled order: the 16 largest are kept. */
	assert_int_equal(min, 1000 + 2 * PROC_MAX_SLOW_QUERIES);
	snapshot_free(&s);
	(void)state;
}

static void test_endpoint_format(void **state)
{
	struct endpoint v4 = {.family = AF_INET, .port = 8080};
	struct endpoint v6 = {.family = AF_INET6, .port = 443};
	char buf[ENDPOINT_STRLEN];

	memcpy(v4.addr, (uint8_t[]){10, 1, 2, 3}, 4);
	v6.addr[15] = 1;
	assert_string_equal(endpoint_format(&v4, buf, sizeof(buf)), "10.1.2.3:8080");
	assert_string_equal(endpoint_format(&v6, buf, sizeof(buf)), "[::1]:443");
	assert_false(endpoint_equal(&v4, &v6));
}

static void test_u64map_insert_delete_many(void **state)
{
	struct u64map m;
	const uint64_t n = 20000;

	assert_int_equal(u64map_init(&m, sizeof(uint64_t)), 0);
	for (uint64_t k = 0; k < n; k++)
		*(uint64_t *)u64map_upsert(&m, k * 0x9e3779b97f4a7c15ULL) = k;
	assert_int_equal(m.n, n);
	/* Delete every other key: the rest must stay reachable (backward shift). */
	for (uint64_t k = 0; k < n; k += 2)
		u64map_delete(&m, k * 0x9e3779b97f4a7c15ULL);
	assert_int_equal(m.n, n / 2);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t *v = u64map_get(&m, k * 0x9e3779b97f4a7c15ULL);

		if (k % 2 == 0) {
			assert_null(v);
		} else {
			assert_non_null(v);
			assert_int_equal(*v, k);
		}
	}
	u64map_clear(&m);
	assert_int_equal(m.n, 0);
	assert_null(u64map_get(&m, 0x9e3779b97f4a7c15ULL));
	u64map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_lookup_creates_once),
		cmocka_unit_test(test_merge_adds_counts_and_keeps_levels),
		cmocka_unit_test(test_merge_keeps_the_largest_tcp_sample),
		cmocka_unit_test(test_slow_calls_keep_the_slowest),
		cmocka_unit_test(test_app_rows_merge_by_shape),
		cmocka_unit_test(test_slow_queries_keep_the_slowest_with_their_text),
		cmocka_unit_test(test_endpoint_format),
		cmocka_unit_test(test_u64map_insert_delete_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
