// SPDX-License-Identifier: GPL-2.0
/*
 * The application-protocol pane of `hivemon top`: its lines for a window of
 * known rows (merged per service, by total time, rates over the window),
 * the filter applied, the key that shows it, and --once printing it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "top/top_app.h"
#include "top/top_model.h"
#include "top/top_render.h"
#include "top/top_view.h"
#include "app_fixture.h"

struct fx {
	struct snapshot snap;
	struct top_model model;
	struct top_view view;
	struct top_frame frame;
};

static void fx_build(struct fx *f, const struct top_filter *filter)
{
	top_model_init(&f->model);
	assert_int_equal(top_model_build(&f->model, &f->snap, NULL, filter), 0);
	top_view_init(&f->view);
	f->frame = (struct top_frame){.snap = &f->snap,
				      .model = &f->model,
				      .view = &f->view,
				      .source = "standalone",
				      .interval_ns = 2000 * APP_MS};
}

static void fx_free(struct fx *f)
{
	top_model_free(&f->model);
	snapshot_free(&f->snap);
}

static char *pane_text(const struct top_frame *frame)
{
	struct top_lines lines;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	top_lines_init(&lines);
	top_format_app(frame, &lines);
	for (size_t i = 0; i < lines.n; i++)
		fprintf(out, "%s\n", lines.items[i].text);
	fclose(out);
	top_lines_free(&lines);
	return text;
}

static void assert_has(const char *text, const char *block)
{
	if (!strstr(text, block)) {
		fprintf(stderr, "in:\n%s", text);
		fail_msg("not found:\n%s", block);
	}
}

static void test_pane(void **unused)
{
	struct fx f;
	char *text;

	app_window(&f.snap);
	fx_build(&f, NULL);
	text = pane_text(&f.frame);
	/* pids 10 and 11 merged (50 requests in 2 s = 25/s), every protocol
	 * in one table by total time. */
	assert_has(
		text,
		"shop (2 processes)\n"
		"  PROTO ROLE   REQUEST                                        REQ/s      P50      "
		"P99    TOTAL  ERRORS   HIT%\n"
		"  sql   client SELECT pg_sleep($1)                              5.0    120ms    "
		"120ms    1.20s       0      -\n"
		"  http  server GET /users/{id} 2xx                             25.0   20.0ms   "
		"20.0ms    1.00s       0      -\n"
		"  http  server GET /report 2xx                                  2.5    180ms    "
		"180ms    900ms       0      -\n"
		"  http  server POST /orders 5xx                                 2.0   50.0ms   "
		"50.0ms    200ms       4      -\n"
		"  redis client GET                                              500    "
		"100\xc2\xb5s    "
		"100\xc2\xb5s    100ms       0  90.0%\n"
		"  sql   client SELECT * FROM users WHERE id = $1               50.0   1.00ms   "
		"1.00ms    100ms       2      -\n"
		"  redis client SET                                             25.0    "
		"200\xc2\xb5s    "
		"200\xc2\xb5s   10.0ms       0      -\n"
		"  slow  client    121ms  SELECT pg_sleep($1)\n");
	free(text);
	fx_free(&f);
}

/* The pane follows the filter: pid 11 alone has 10 requests, 5/s. */
static void test_filter(void **unused)
{
	static const uint32_t pids[] = {11};
	struct top_filter filter = {.pids = pids, .n_pids = 1};
	struct fx f;
	char *text;

	app_window(&f.snap);
	fx_build(&f, &filter);
	text = pane_text(&f.frame);
	assert_has(text, "shop (1 process)\n");
	assert_has(text,
		   "  http  server GET /users/{id} 2xx                              5.0   20.0ms");
	assert_null(strstr(text, "sql"));
	free(text);
	fx_free(&f);

	/* No rows at all: one line says so. */
	snapshot_init(&f.snap);
	f.snap.duration_ns = 1000 * APP_MS;
	app_proc(&f.snap, 3, "idle", "idle");
	fx_build(&f, NULL);
	assert_false(top_app_any(&f.frame));
	text = pane_text(&f.frame);
	assert_has(text, "(none seen on the sockets of the processes shown in this window)\n");
	free(text);
	fx_free(&f);
}

/* The detail view of one process has its own rows: pid 11's 10 requests. */
static void test_detail(void **unused)
{
	struct top_lines lines;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct fx f;

	app_window(&f.snap);
	fx_build(&f, NULL);
	top_lines_init(&lines);
	top_format_detail(&f.frame, 11, &lines);
	for (size_t i = 0; i < lines.n; i++)
		fprintf(out, "%s\n", lines.items[i].text);
	fclose(out);
	assert_has(text, "\nApplication protocols\n  PROTO ROLE   REQUEST ");
	assert_has(text, "\n  http  server GET /users/{id} 2xx                              5.0   "
			 "20.0ms   20.0ms    200ms       0      -\n");
	assert_null(strstr(text, "/report"));
	top_lines_free(&lines);
	free(text);
	fx_free(&f);
}

/* A toggles the pane, from the table and back; the help names the key. */
static void test_key_and_help(void **unused)
{
	struct top_lines help;
	struct top_view v;
	struct top_model m;
	bool named = false;

	top_view_init(&v);
	top_model_init(&m);
	top_view_key(&v, 'A', &m, 10);
	assert_int_equal(v.mode, MODE_APP);
	top_view_key(&v, 'A', &m, 10);
	assert_int_equal(v.mode, MODE_TABLE);
	top_view_key(&v, 'A', &m, 10);
	top_view_key(&v, 27 /* Esc */, &m, 10);
	assert_int_equal(v.mode, MODE_TABLE);
	top_lines_init(&help);
	top_format_help(&help);
	for (size_t i = 0; i < help.n; i++)
		named = named || strstr(help.items[i].text, "  A  ") != NULL;
	assert_true(named);
	top_lines_free(&help);
}

/* --once prints the pane after the table, only when there are rows. */
static void test_once(void **unused)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct fx f;

	app_window(&f.snap);
	fx_build(&f, NULL);
	assert_int_equal(top_render_plain(&f.frame, out), 0);
	fclose(out);
	assert_has(text, "\n\nApplication protocols: HTTP, SQL, Redis by total time\n\nshop (2 "
			 "processes)\n");
	assert_has(text, "  redis client GET ");
	free(text);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pane),   cmocka_unit_test(test_filter),
		cmocka_unit_test(test_detail), cmocka_unit_test(test_key_and_help),
		cmocka_unit_test(test_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
