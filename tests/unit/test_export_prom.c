// SPDX-License-Identifier: GPL-2.0
/* Prometheus exposition: exact lines for known snapshots, cumulative totals, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/export_prom.h"
#include "probes/probe.h"
#include "core/snapshot.h"

#define SEC		1000000000ULL
#define T0		(1700000000ULL * SEC)
#define NR_NANOSLEEP	230
#define NANOSLEEP_LABEL "clock_nanosleep"

static void snap_begin(struct snapshot *s, uint64_t start_ns)
{
	snapshot_init(s);
	strcpy(s->host, "h");
	s->started_at_ns = start_ns;
	s->duration_ns = SEC;
	s->probes = PROBES_DEFAULT;
}

static struct proc_snapshot *add_proc(struct snapshot *s, uint32_t pid, const char *comm)
{
	struct proc_snapshot *p = snapshot_proc(s, pid);

	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	return p;
}

/* Records @n samples of @ns each as calls of syscall @nr. */
static void add_calls(struct proc_snapshot *p, uint32_t nr, uint64_t ns, int n)
{
	struct syscall_stat *sc = proc_syscall(p, nr);

	assert_non_null(sc);
	for (int i = 0; i < n; i++)
		assert_int_equal(hist_record(&sc->lat, ns), 0);
	sc->count += (uint64_t)n;
}

static char *render(struct prom_registry *r)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(prom_registry_render(r, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

/* True when @line is one whole line of @text. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

#define assert_line(text, line)                                                                    \
	do {                                                                                       \
		if (!has_line(text, line))                                                         \
			fail_msg("missing line: %s\n--- output ---\n%s", line, text);              \
	} while (0)

static void test_histogram_exact_lines(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot s;
	struct proc_snapshot *p;
	char *text;

	snap_begin(&s, T0);
	p = add_proc(&s, 100, "api");
	/* 800 ns fits under 1 us; 3000 ns under 5 us; 20 ms under 25 ms. */
	add_calls(p, NR_NANOSLEEP, 800, 1);
	add_calls(p, NR_NANOSLEEP, 3000, 1);
	add_calls(p, NR_NANOSLEEP, 20000000, 1);
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);

	static const char *const want[] = {
		"# HELP hivemon_syscall_latency_seconds Syscall latency (syscall.latency); _count "
		"is "
		"the exact number of calls.",
		"# TYPE hivemon_syscall_latency_seconds histogram",
	};
	static const struct {
		const char *le;
		int cum;
	} buckets[] = {
		{"1e-06", 1},  {"2.5e-06", 1}, {"5e-06", 2},   {"1e-05", 2},  {"2.5e-05", 2},
		{"5e-05", 2},  {"0.0001", 2},  {"0.00025", 2}, {"0.0005", 2}, {"0.001", 2},
		{"0.0025", 2}, {"0.005", 2},   {"0.01", 2},    {"0.025", 3},  {"0.05", 3},
		{"0.1", 3},    {"0.25", 3},    {"0.5", 3},     {"1", 3},      {"2.5", 3},
		{"5", 3},      {"10", 3},      {"60", 3},      {"+Inf", 3},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_line(text, want[i]);
	/* The bucket lines come in order, one block, then _sum and _count. */
	{
		char block[4096] = "";
		size_t len = 0;

		for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++)
			len += (size_t)snprintf(
				block + len, sizeof(block) - len,
				"hivemon_syscall_latency_seconds_bucket{comm=\"api\","
				"syscall=\"" NANOSLEEP_LABEL "\",le=\"%s\"} %d\n",
				buckets[i].le, buckets[i].cum);
		snprintf(block + len, sizeof(block) - len,
			 "hivemon_syscall_latency_seconds_sum{comm=\"api\",syscall="
			 "\"" NANOSLEEP_LABEL "\"} 0.020003800\n"
			 "hivemon_syscall_latency_seconds_count{comm=\"api\",syscall="
			 "\"" NANOSLEEP_LABEL "\"} 3\n");
		if (!strstr(text, block))
			fail_msg("histogram block not found\n--- want ---\n%s--- got ---\n%s",
				 block, text);
	}
	assert_line(text, "hivemon_processes 1");
	assert_line(text, "hivemon_lost_events_total 0");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

static void test_cumulative_across_publishes(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot a, b;
	char *text;

	snap_begin(&a, T0);
	add_calls(add_proc(&a, 100, "api"), NR_NANOSLEEP, 800, 2);
	add_calls(add_proc(&a, 100, "api"), NR_NANOSLEEP, 20000000, 1);
	a.lost_events = 2;
	add_proc(&a, 100, "api")->tcp.retransmits = 4;
	assert_int_equal(prom_registry_add(r, &a), 0);

	snap_begin(&b, T0 + SEC);
	add_calls(add_proc(&b, 100, "api"), NR_NANOSLEEP, 800, 5);
	b.lost_events = 3;
	add_proc(&b, 100, "api")->tcp.retransmits = 1;
	assert_int_equal(prom_registry_add(r, &b), 0);
	text = render(r);

	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"api\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"1e-06\"} 7");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"api\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"0.01\"} 7");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"api\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"+Inf\"} 8");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_count{comm=\"api\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 8");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_sum{comm=\"api\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 0.020005600");
	assert_line(text, "hivemon_lost_events_total 5");
	assert_line(text, "hivemon_tcp_retransmits_total{comm=\"api\"} 5");
	free(text);
	snapshot_free(&a);
	snapshot_free(&b);
	prom_registry_free(r);
}

static void test_per_comm_and_per_pid(void **state)
{
	struct prom_registry *by_comm = prom_registry_new(false);
	struct prom_registry *by_pid = prom_registry_new(true);
	struct snapshot s;
	char *text;

	snap_begin(&s, T0);
	add_calls(add_proc(&s, 10, "worker"), NR_NANOSLEEP, 800, 3);
	add_calls(add_proc(&s, 11, "worker"), NR_NANOSLEEP, 800, 4);
	add_proc(&s, 10, "worker")->alloc.rss_bytes = 1000;
	add_proc(&s, 11, "worker")->alloc.rss_bytes = 500;
	add_proc(&s, 10, "worker")->sched.oncpu_ns = SEC / 4;
	add_proc(&s, 11, "worker")->sched.oncpu_ns = SEC / 2;
	assert_int_equal(prom_registry_add(by_comm, &s), 0);
	assert_int_equal(prom_registry_add(by_pid, &s), 0);

	text = render(by_comm);
	assert_line(
		text,
		"hivemon_syscall_latency_seconds_count{comm=\"worker\",syscall=\"" NANOSLEEP_LABEL
		"\"} 7");
	assert_line(text, "hivemon_mem_rss_bytes{comm=\"worker\"} 1500");
	assert_line(text, "hivemon_cpu_usage_ratio{comm=\"worker\"} 0.75");
	assert_line(text, "hivemon_cpu_seconds_total{comm=\"worker\"} 0.750000000");
	assert_null(strstr(text, "pid="));
	free(text);

	text = render(by_pid);
	assert_line(text, "hivemon_syscall_latency_seconds_count{comm=\"worker\",pid=\"10\","
			  "syscall=\"" NANOSLEEP_LABEL "\"} 3");
	assert_line(text, "hivemon_syscall_latency_seconds_count{comm=\"worker\",pid=\"11\","
			  "syscall=\"" NANOSLEEP_LABEL "\"} 4");
	assert_line(text, "hivemon_mem_rss_bytes{comm=\"worker\",pid=\"11\"} 500");
	free(text);
	snapshot_free(&s);
	prom_registry_free(by_comm);
	prom_registry_free(by_pid);
}

static void test_label_escaping(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot s;
	char out[64], *text;

	prom_escape_label("a\"b\\c\nd", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	prom_escape_label("caf\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9");
	prom_escape_label("x\xff\xc3y\xed\xa0\x80", out, sizeof(out));
	assert_string_equal(out, "x??y???");
	/* Truncation never splits an escape sequence. */
	prom_escape_label("ab\"", out, 4);
	assert_string_equal(out, "ab");

	snap_begin(&s, T0);
	add_calls(add_proc(&s, 7, "we\"ird\\na\nme"), NR_NANOSLEEP, 800, 1);
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);
	assert_line(text, "hivemon_syscall_latency_seconds_count{comm=\"we\\\"ird\\\\na\\nme\","
			  "syscall=\"" NANOSLEEP_LABEL "\"} 1");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

/* Sampled latencies, exact call counts: _count and +Inf are the exact count. */
static void test_sampled_histogram_scaled_to_exact_count(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot s;
	struct syscall_stat *sc;
	char *text;

	snap_begin(&s, T0);
	sc = proc_syscall(add_proc(&s, 5, "db"), NR_NANOSLEEP);
	hist_record(&sc->lat, 800);	 /* under 1 us */
	hist_record(&sc->lat, 20000000); /* under 25 ms */
	sc->count = 10;
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"1e-06\"} 5");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"+Inf\"} 10");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_count{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 10");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_sum{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 0.100004000");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

/*
 * Calls counted but none timed (sampling skipped them all): _count is still
 * the exact count. With no shape known yet the calls sit in +Inf only; once
 * the series has timed samples, untimed calls follow their shape.
 */
static void test_untimed_calls_keep_exact_count(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot s;
	struct syscall_stat *sc;
	char *text;

	snap_begin(&s, T0);
	sc = proc_syscall(add_proc(&s, 5, "db"), NR_NANOSLEEP);
	sc->count = 7; /* no hist_record: weight 0 */
	assert_int_equal(prom_registry_add(r, &s), 0);
	snapshot_free(&s);
	text = render(r);
	assert_line(text,
		    "hivemon_syscall_latency_seconds_count{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 7");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"+Inf\"} 7");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"60\"} 0");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_sum{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 0.000000000");
	free(text);

	/* A timed interval: 2 calls of 800 ns (under 1 us), 2 of 20 ms. */
	snap_begin(&s, T0 + SEC);
	sc = proc_syscall(add_proc(&s, 5, "db"), NR_NANOSLEEP);
	hist_record(&sc->lat, 800);
	hist_record(&sc->lat, 800);
	hist_record(&sc->lat, 20000000);
	hist_record(&sc->lat, 20000000);
	sc->count = 4;
	assert_int_equal(prom_registry_add(r, &s), 0);
	snapshot_free(&s);

	/* 11 untimed calls spread as the 11 seen so far: 2/11 under 1 us... */
	snap_begin(&s, T0 + 2 * SEC);
	sc = proc_syscall(add_proc(&s, 5, "db"), NR_NANOSLEEP);
	sc->count = 11;
	assert_int_equal(prom_registry_add(r, &s), 0);
	snapshot_free(&s);
	text = render(r);
	assert_line(text,
		    "hivemon_syscall_latency_seconds_count{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 22");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"+Inf\"} 22");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"1e-06\"} 4");
	assert_line(text,
		    "hivemon_syscall_latency_seconds_bucket{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\",le=\"0.025\"} 8");
	/* _sum: 0.040001600 timed, plus 11 calls at the mean of the 11 so far. */
	assert_line(text,
		    "hivemon_syscall_latency_seconds_sum{comm=\"db\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 0.080003200");
	free(text);
	prom_registry_free(r);
}

/* Gauges describe the last interval only; counters persist until stale. */
static void test_gauges_and_staleness(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot a, b, c;
	char *text;

	snap_begin(&a, T0);
	add_proc(&a, 1, "gone")->alloc.rss_bytes = 4096;
	add_calls(add_proc(&a, 1, "gone"), NR_NANOSLEEP, 800, 1);
	assert_int_equal(prom_registry_add(r, &a), 0);

	snap_begin(&b, T0 + SEC);
	add_calls(add_proc(&b, 2, "stays"), NR_NANOSLEEP, 800, 1);
	assert_int_equal(prom_registry_add(r, &b), 0);
	text = render(r);
	assert_null(strstr(text, "hivemon_mem_rss_bytes"));
	assert_line(text,
		    "hivemon_syscall_latency_seconds_count{comm=\"gone\",syscall=\"" NANOSLEEP_LABEL
		    "\"} 1");
	free(text);

	snap_begin(&c, T0 + SEC + PROM_STALE_NS + SEC);
	add_calls(add_proc(&c, 2, "stays"), NR_NANOSLEEP, 800, 1);
	assert_int_equal(prom_registry_add(r, &c), 0);
	text = render(r);
	assert_null(strstr(text, "comm=\"gone\""));
	assert_line(
		text,
		"hivemon_syscall_latency_seconds_count{comm=\"stays\",syscall=\"" NANOSLEEP_LABEL
		"\"} 2");
	free(text);
	snapshot_free(&a);
	snapshot_free(&b);
	snapshot_free(&c);
	prom_registry_free(r);
}

/* TCP families carry role/endpoint and remote labels. */
static void test_tcp_labels(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct endpoint local = {.family = 2, .port = 8080, .addr = {127, 0, 0, 1}};
	struct endpoint remote = {.family = 2, .port = 5432, .addr = {127, 0, 0, 1}};
	struct tcp_request_stat *q;
	struct tcp_remote_stat *c;
	struct proc_snapshot *p;
	struct snapshot s;
	char *text;

	snap_begin(&s, T0);
	p = add_proc(&s, 9, "api");
	q = proc_tcp_request(p, TCP_ROLE_SERVER, &local, NULL);
	hist_record(&q->lat, 150000000);
	q->count = 1;
	c = proc_tcp_connect(p, &remote);
	hist_record(&c->lat, 40000);
	c->count = 1;
	c->errors = 2;
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);
	assert_line(text, "hivemon_tcp_request_latency_seconds_bucket{comm=\"api\",role=\"server\","
			  "endpoint=\"127.0.0.1:8080\",le=\"0.1\"} 0");
	assert_line(text, "hivemon_tcp_request_latency_seconds_bucket{comm=\"api\",role=\"server\","
			  "endpoint=\"127.0.0.1:8080\",le=\"0.25\"} 1");
	assert_line(text,
		    "hivemon_tcp_connect_latency_seconds_count{comm=\"api\",remote=\"127.0.0.1:"
		    "5432\"} 1");
	assert_line(text,
		    "hivemon_tcp_connect_errors_total{comm=\"api\",remote=\"127.0.0.1:5432\"} 2");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

/* The history store's totals are shown as they are, not added up. */
static void test_store_figures(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	struct prom_store_figures f = {.rows_written = 100, .rows_queued = 7, .connected = true};
	struct snapshot s;
	char *text;

	snap_begin(&s, T0);
	assert_int_equal(prom_registry_add(r, &s), 0);
	assert_int_equal(prom_registry_set_store(r, &f), 0);
	f.rows_written = 150;
	f.rows_dropped = 3;
	f.connected = false;
	assert_int_equal(prom_registry_add(r, &s), 0);
	assert_int_equal(prom_registry_set_store(r, &f), 0);
	text = render(r);
	assert_line(text, "# TYPE hivemon_store_rows_written_total counter");
	assert_line(text, "hivemon_store_rows_written_total 150");
	assert_line(text, "hivemon_store_rows_dropped_total 3");
	assert_line(text, "hivemon_store_rows_queued 7");
	assert_line(text, "hivemon_store_connected 0");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_histogram_exact_lines),
		cmocka_unit_test(test_cumulative_across_publishes),
		cmocka_unit_test(test_per_comm_and_per_pid),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_sampled_histogram_scaled_to_exact_count),
		cmocka_unit_test(test_untimed_calls_keep_exact_count),
		cmocka_unit_test(test_gauges_and_staleness),
		cmocka_unit_test(test_tcp_labels),
		cmocka_unit_test(test_store_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
