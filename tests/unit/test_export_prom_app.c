// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus series of application-protocol rows: exact lines for a known
 * window, totals across intervals, escaped and bounded label values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/export_prom.h"
#include "app_fixture.h"

static char *render(struct prom_registry *r)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(prom_registry_render(r, &text, &len), 0);
	return text;
}

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
		if (!has_line(text, line)) {                                                       \
			fprintf(stderr, "--- output ---\n%s", text);                               \
			fail_msg("missing line: %s", line);                                        \
		}                                                                                  \
	} while (0)

#define USERS "comm=\"api\",service=\"shop\",role=\"server\",method=\"GET\",route=\"/users/{id}\""

static void test_families_and_lines(void **unused)
{
	struct prom_registry *r = prom_registry_new(false);
	struct snapshot s;
	char *text;

	app_window(&s);
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);
	assert_line(text, "# TYPE hivemon_http_request_duration_seconds histogram");
	/* pids 10 and 11 share their comm: one series, 40 + 10 requests. */
	assert_line(text,
		    "hivemon_http_request_duration_seconds_count{" USERS ",status=\"2xx\"} 50");
	assert_line(text, "hivemon_http_request_duration_seconds_bucket{" USERS
			  ",status=\"2xx\",le=\"0.01\"} 0");
	assert_line(text, "hivemon_http_request_duration_seconds_bucket{" USERS
			  ",status=\"2xx\",le=\"0.025\"} 50");
	assert_line(text, "hivemon_http_request_duration_seconds_sum{" USERS
			  ",status=\"2xx\"} 1.000000000");
	assert_line(text,
		    "hivemon_http_request_duration_seconds_count{comm=\"api\",service=\"shop\","
		    "role=\"server\",method=\"POST\",route=\"/orders\",status=\"5xx\"} 4");
	assert_line(text, "hivemon_sql_query_duration_seconds_count{comm=\"api\",service=\"shop\","
			  "role=\"client\",query=\"SELECT pg_sleep($1)\"} 10");
	assert_line(text, "hivemon_sql_query_duration_seconds_sum{comm=\"api\",service=\"shop\","
			  "role=\"client\",query=\"SELECT pg_sleep($1)\"} 1.200000000");
	assert_line(text, "hivemon_sql_query_errors_total{comm=\"api\",service=\"shop\","
			  "role=\"client\",query=\"SELECT * FROM users WHERE id = $1\"} 2");
	assert_line(text, "hivemon_redis_command_duration_seconds_count{comm=\"api\","
			  "service=\"shop\",role=\"client\",command=\"GET\"} 1000");
	assert_line(text, "hivemon_cache_hits_total{comm=\"api\",service=\"shop\",role=\"client\","
			  "command=\"GET\"} 900");
	assert_line(text, "hivemon_cache_misses_total{comm=\"api\",service=\"shop\","
			  "role=\"client\",command=\"GET\"} 100");
	/* SET reads nothing: no cache series, no error series without errors. */
	assert_null(strstr(text, "hivemon_cache_hits_total{comm=\"api\",service=\"shop\","
				 "role=\"client\",command=\"SET\"}"));
	assert_null(strstr(text, "hivemon_redis_command_errors_total{"));

	/* A second interval adds up. */
	assert_int_equal(prom_registry_add(r, &s), 0);
	free(text);
	text = render(r);
	assert_line(text,
		    "hivemon_http_request_duration_seconds_count{" USERS ",status=\"2xx\"} 100");
	assert_line(text, "hivemon_cache_misses_total{comm=\"api\",service=\"shop\","
			  "role=\"client\",command=\"GET\"} 200");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

static void test_per_pid(void **unused)
{
	struct prom_registry *r = prom_registry_new(true);
	struct snapshot s;
	char *text;

	app_window(&s);
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);
	assert_line(text, "hivemon_http_request_duration_seconds_count{comm=\"api\",pid=\"11\","
			  "service=\"shop\",role=\"server\",method=\"GET\",route=\"/users/{id}\","
			  "status=\"2xx\"} 10");
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

/* Quotes, backslashes and newlines in routes and queries are escaped; a
 * long query is cut at a character boundary. */
static void test_escaping_and_bounds(void **unused)
{
	struct prom_registry *r = prom_registry_new(false);
	struct proc_snapshot *p;
	struct snapshot s;
	char query[600], line[800], *text;
	struct app_request_stat *row;

	snapshot_init(&s);
	s.started_at_ns = APP_T0;
	s.duration_ns = 1000 * APP_MS;
	p = app_proc(&s, 3, "w", "");
	row = proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 9, "/a\"b\\c\nd");
	hist_record(&row->lat, APP_MS);
	row->count = 1;
	/* 254 x 'a' then 'é' (2 bytes) would end at byte 256: cut before it. */
	memset(query, 'a', 254);
	strcpy(query + 254, "\xc3\xa9 tail");
	row = proc_app_request(p, APP_PGSQL, TCP_ROLE_CLIENT, NULL, 0, 10, query);
	hist_record(&row->lat, APP_MS);
	row->count = 1;
	assert_int_equal(prom_registry_add(r, &s), 0);
	text = render(r);
	assert_line(text,
		    "hivemon_http_request_duration_seconds_count{comm=\"w\",service=\"w\","
		    "role=\"server\",method=\"GET\",route=\"/a\\\"b\\\\c\\nd\",status=\"2xx\"} 1");
	query[254] = '\0';
	snprintf(line, sizeof(line),
		 "hivemon_sql_query_duration_seconds_count{comm=\"w\",service=\"w\","
		 "role=\"client\",query=\"%s\"} 1",
		 query);
	assert_line(text, line);
	free(text);
	snapshot_free(&s);
	prom_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families_and_lines),
		cmocka_unit_test(test_per_pid),
		cmocka_unit_test(test_escaping_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
