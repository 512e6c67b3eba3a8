// SPDX-License-Identifier: GPL-2.0
/* PostgreSQL history rows: exact COPY text for known snapshots and alerts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/probe.h"
#include "core/snapshot.h"
#include "store/store_pg_app.h"
#include "store/store_pg_rows.h"

#define SEC 1000000000ULL
/* 2023-11-14 22:13:20.250000 UTC */
#define T0 (1700000000ULL * SEC + 250000000ULL)

static void snap_begin(struct snapshot *s)
{
	snapshot_init(s);
	strcpy(s->host, "web-1");
	s->started_at_ns = T0;
	s->duration_ns = SEC;
	s->probes = PROBES_DEFAULT;
}

static void test_syscall_and_level_rows(void **state)
{
	struct copybuf b = {0};
	struct proc_snapshot *p;
	struct syscall_stat *sc;
	struct snapshot s;

	snap_begin(&s);
	p = snapshot_proc(&s, 42);
	strcpy(p->comm, "api");
	p->cgroup = strdup("/system.slice/api.service");
	sc = proc_syscall(p, 230);
	for (int i = 0; i < 40; i++)
		hist_record(&sc->lat, 20000000);
	sc->count = 40;
	p->sched.oncpu_ns = SEC / 4;
	p->alloc.rss_bytes = 4096;
	p->alloc.rss_anon = 2048;
	assert_int_equal(pg_rows_snapshot(&b, &s), 0);
	assert_int_equal(b.rows, 4);
	/* p50/p99 are bucket midpoints (within 3 %), max and sum exact. */
	assert_string_equal(
		b.text.s,
		"2023-11-14 "
		"22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\t/system.slice/api.service\t"
		"syscall.latency\t{\"nr\":230,\"syscall\":\"clock_nanosleep\"}\t40\t0\t800000000\t"
		"20000000\t20000000\t20000000\t20000000\t\\N\n"
		"2023-11-14 "
		"22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\t/system.slice/api.service\t"
		"cpu.usage\t{}\t0\t0\t\\N\t\\N\t\\N\t\\N\t\\N\t25\n"
		"2023-11-14 "
		"22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\t/system.slice/api.service\t"
		"mem.rss\t{}\t0\t0\t\\N\t\\N\t\\N\t\\N\t\\N\t4096\n"
		"2023-11-14 "
		"22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\t/system.slice/api.service\t"
		"mem.anon\t{}\t0\t0\t\\N\t\\N\t\\N\t\\N\t\\N\t2048\n");
	copybuf_free(&b);
	snapshot_free(&s);
}

/* Tabs, newlines and backslashes are COPY-escaped; invalid UTF-8 is replaced. */
static void test_text_escaping(void **state)
{
	struct copybuf b = {0};
	struct proc_snapshot *p;
	struct snapshot s;

	snap_begin(&s);
	p = snapshot_proc(&s, 7);
	strcpy(p->comm, "a\tb\\c\nd\xff");
	p->alloc.page_faults = 3;
	assert_int_equal(pg_rows_snapshot(&b, &s), 0);
	assert_int_equal(b.rows, 1);
	assert_non_null(strstr(b.text.s, "\t7\ta\\tb\\\\c\\nd?\t\talloc.page_faults\t{}\t3\t0\t"));
	copybuf_free(&b);
	snapshot_free(&s);
}

static void test_alert_rows(void **state)
{
	struct store_alert_row row = {.rule = "api-latency",
				      .severity = "critical",
				      .status = "firing",
				      .labels_json = "{\"comm\":\"api\",\"role\":\"server\"}",
				      .value = 0.25,
				      .threshold = 0.2,
				      .at_ns = T0};
	struct copybuf b = {0};

	assert_int_equal(pg_rows_alert(&b, "web-1", &row), 0);
	row.labels_json = "not json";
	row.status = "resolved";
	assert_int_equal(pg_rows_alert(&b, "web-1", &row), 0);
	assert_int_equal(b.rows, 2);
	assert_string_equal(
		b.text.s, "2023-11-14 22:13:20.250000+00\tweb-1\tapi-latency\tcritical\tfiring\t"
			  "{\"comm\":\"api\",\"role\":\"server\"}\t0.25\t0.20000000000000001\n"
			  "2023-11-14 22:13:20.250000+00\tweb-1\tapi-latency\tcritical\tresolved\t"
			  "{\"raw\":\"not json\"}\t0.25\t0.20000000000000001\n");
	copybuf_free(&b);
}

/* One row per group per interval (a group not measured yet has NULLs),
 * one per finished action with its evidence and effect. */
static void test_group_rows(void **state)
{
	json_t *groups =
		json_loads("[{\"name\": \"web\", \"mode\": \"apply\", \"members\": [{\"pid\": 7}],"
			   "  \"imbalance\": {\"cv\": 0.5, \"max_load\": 2}, \"plan\": "
			   "{\"verdict\": \"move\"},"
			   "  \"held\": 2, \"steering\": true, \"moves_applied\": 3},"
			   " {\"name\": \"idle\\tjobs\", \"mode\": \"plan\"}]",
			   0, NULL);
	json_t *actions = json_loads(
		"[{\"group\": \"web\", \"at\": \"2023-11-14T22:13:20.250Z\", \"action\": \"move\","
		"  \"text\": \"moved pid 7\", \"evidence\": {\"held_intervals\": 3},"
		"  \"effect\": {\"state\": \"done\"}},"
		" {\"group\": \"web\", \"at\": \"bad\", \"action\": \"move\"}]",
		0, NULL);
	struct copybuf b = {0};

	assert_non_null(groups);
	assert_non_null(actions);
	assert_int_equal(pg_rows_groups(&b, "web-1", T0, groups), 0);
	assert_int_equal(b.rows, 2);
	assert_string_equal(
		b.text.s,
		"2023-11-14 22:13:20.250000+00\tweb-1\tweb\tapply\t1\t0.5\t2\tmove\t2\tt\t3\t"
		"[{\"pid\":7}]\n"
		"2023-11-14 22:13:20.250000+00\tweb-1\tidle\\tjobs\tplan\t0\t\\N\t\\N\t\\N\t0\t"
		"f\t0\t[]\n");
	copybuf_free(&b);
	/* An action without a valid time is left out. */
	assert_int_equal(pg_rows_group_actions(&b, "web-1", actions), 0);
	assert_int_equal(b.rows, 1);
	assert_string_equal(b.text.s, "2023-11-14 22:13:20.250000+00\tweb-1\tweb\tmove\tmoved pid "
				      "7\t{\"held_intervals\":3}\t{\"state\":\"done\"}\n");
	copybuf_free(&b);
	json_decref(groups);
	json_decref(actions);
}

/* Application-protocol rows: one per process and request shape, exact
 * columns; hits and misses for Redis only; texts escaped; a slow
 * statement with its end time and peer. */
static void test_app_rows(void **state)
{
	struct slow_query q = {.text = "SELECT pg_sleep($1)",
			       .fingerprint = 0xfffffffffffffffeULL,
			       .latency_ns = 121000000,
			       .end_ns = T0 + SEC / 2,
			       .role = TCP_ROLE_CLIENT};
	struct copybuf b = {0}, slow = {0};
	struct app_request_stat *r;
	struct proc_snapshot *p;
	struct snapshot s;

	snap_begin(&s);
	p = snapshot_proc(&s, 42);
	strcpy(p->comm, "api");
	strcpy(p->service, "shop");
	r = proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 500, 7, "/users/{id}");
	for (int i = 0; i < 4; i++)
		hist_record(&r->lat, 20000000);
	r->count = r->errors = 4;
	r = proc_app_request(p, APP_PGSQL, TCP_ROLE_CLIENT, NULL, 0, 9, "SELECT\t'a\\b'");
	hist_record(&r->lat, 1000000);
	r->count = 1;
	r = proc_app_request(p, APP_REDIS, TCP_ROLE_CLIENT, "GET", 0, 0, NULL);
	hist_record(&r->lat, 100000);
	r->count = 10;
	r->hits = 9;
	r->misses = 1;
	proc_app_request(p, APP_REDIS, TCP_ROLE_CLIENT, "SET", 0, 0, NULL); /* no requests */
	proc_add_slow_query(p, &q);
	assert_int_equal(pg_rows_app(&b, &s), 0);
	assert_int_equal(b.rows, 3);
	assert_string_equal(
		b.text.s,
		"2023-11-14 22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\tshop\thttp\tserver\tGET\t"
		"5xx\t7\t/users/{id}\t4\t4\t\\N\t\\N\t80000000\t20000000\t20000000\t20000000\t"
		"20000000\n"
		"2023-11-14 22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\tshop\tsql\tclient\t\\N\t"
		"\\N\t9\tSELECT\\t'a\\\\b'\t1\t0\t\\N\t\\N\t1000000\t1000000\t1000000\t1000000\t"
		"1000000\n"
		"2023-11-14 "
		"22:13:20.250000+00\t1.000000\tweb-1\t42\tapi\tshop\tredis\tclient\tGET\t"
		"\\N\t0\t\\N\t10\t0\t9\t1\t100000\t100000\t100000\t100000\t100000\n");
	assert_int_equal(pg_rows_slow_queries(&slow, &s), 0);
	assert_int_equal(slow.rows, 1);
	assert_string_equal(slow.text.s, "2023-11-14 22:13:20.750000+00\tweb-1\t42\tapi\tshop\t"
					 "client\tunix\t-2\tSELECT pg_sleep($1)\t121000000\n");
	copybuf_free(&b);
	copybuf_free(&slow);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_and_level_rows),
		cmocka_unit_test(test_text_escaping),
		cmocka_unit_test(test_alert_rows),
		cmocka_unit_test(test_group_rows),
		cmocka_unit_test(test_app_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
