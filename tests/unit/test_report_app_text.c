// SPDX-License-Identifier: GPL-2.0
/*
 * The application protocols of the text report, on a window of known rows:
 * per service, rows merged across its processes, in order of total time,
 * with percentiles, errors, hit ratio and the slow query log; nothing for
 * a service without rows; long or multi-line queries cut to one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_fixture.h"
#include "report/report.h"
#include "report/report_app_text.h"
#include "app_fixture.h"

/* @text holds @block (whole lines); prints @text when not. */
static void assert_has(const char *text, const char *block)
{
	if (!strstr(text, block)) {
		fprintf(stderr, "in:\n%s", text);
		fail_msg("not found:\n%s", block);
	}
}

static void test_tables(void **unused)
{
	struct snapshot s;
	struct proc_snapshot *other;
	char *text;

	app_window(&s);
	other = app_proc(&s, 20, "idle", "");
	other->service_key = 0x1d1e;
	text = render_text(&s);
	/* One section: the service's two processes merged, none for "idle". */
	assert_non_null(strstr(text, "\nApplication protocols of shop:\n  HTTP\n"));
	assert_null(strstr(text, "Application protocols of idle"));
	/* The section, whole: rows merged across pids 10 and 11 (50 x GET
	 * /users/{id}), each table by total time. */
	assert_has(
		text,
		"\n    ROLE   METHOD  ROUTE                            STATUS    COUNT  ERRORS     "
		"  "
		"P50       P99       MAX\n"
		"    server GET     /users/{id}                         2xx       50       0    "
		"20.0ms    20.0ms    20.0ms\n"
		"    server GET     /report                             2xx        5       0   "
		"180.0ms   180.0ms   180.0ms\n"
		"    server POST    /orders                             5xx        4       4    "
		"50.0ms    50.0ms    50.0ms\n"
		"  SQL (by total time)\n"
		"    ROLE      CALLS  ERRORS     TOTAL       P50       P99  QUERY\n"
		"    client       10       0     1.20s   120.0ms   120.0ms  SELECT pg_sleep($1)\n"
		"    client      100       2   100.0ms     1.0ms     1.0ms  SELECT * FROM users "
		"WHERE id = $1\n"
		"  Redis\n"
		"    ROLE   COMMAND             COUNT  ERRORS       P50       P99 HIT RATIO\n"
		"    client GET                  1000       0   100.0us   100.0us     90.0%\n"
		"    client SET                    50       0   200.0us   200.0us         -\n"
		"  Slow queries\n"
		"      LATENCY  AT                   ROLE   PEER                   QUERY\n"
		"      121.0ms  2023-11-14T22:13:21Z client unix                   SELECT "
		"pg_sleep($1)\n");
	free(text);
	snapshot_free(&s);
}

static void test_no_rows_no_section(void **unused)
{
	struct snapshot s;
	char *text;

	snapshot_init(&s);
	s.duration_ns = 1000000000ULL;
	app_proc(&s, 5, "web", "web");
	text = render_text(&s);
	assert_null(strstr(text, "Application protocols"));
	free(text);
	snapshot_free(&s);
}

static void test_clip(void **unused)
{
	char buf[64];

	assert_string_equal(app_text_clip("SELECT 1", 20, buf, sizeof(buf)), "SELECT 1");
	assert_string_equal(app_text_clip("  SELECT\n\t a,\r\n b  FROM t ", 40, buf, sizeof(buf)),
			    "SELECT a, b FROM t");
	assert_string_equal(app_text_clip("SELECT abcdefghij", 10, buf, sizeof(buf)), "SELECT ...");
	assert_string_equal(app_text_clip("/caf\xc3\xa9/\xc3\xa9t\xc3\xa9s", 8, buf, sizeof(buf)),
			    "/caf\xc3\xa9...");
	assert_string_equal(app_text_clip("a\xff", 8, buf, sizeof(buf)), "a?");
	assert_string_equal(app_text_clip(NULL, 8, buf, sizeof(buf)), "");
	/* A small buffer cuts too, and stays a string. */
	assert_string_equal(app_text_clip("SELECT abcdefghijklmnop", 40, buf, 12), "SELE...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_no_rows_no_section),
		cmocka_unit_test(test_clip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
