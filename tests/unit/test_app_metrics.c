// SPDX-License-Identifier: GPL-2.0
/*
 * Application-protocol metrics for alert rules: names, labels, units and
 * the series of a known window; a rule with a route matcher fires on it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert/alert.h"
#include "core/metrics.h"
#include "core/window.h"
#include "app_fixture.h"

struct seen {
	char line[16][200];
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

/* The line of the series whose labels contain @needle, or fail. */
static size_t find(const struct seen *s, const char *needle)
{
	for (size_t i = 0; i < s->n; i++)
		if (strstr(s->line[i], needle))
			return i;
	fail_msg("no series with %s", needle);
	return 0;
}

static void test_names_units_labels(void **unused)
{
	struct metric_id id;

	assert_int_equal(metric_parse("http.request.latency.p99", &id), 0);
	assert_int_equal(id.source, METRIC_HTTP_REQUEST_LATENCY);
	assert_int_equal(id.stat, STAT_P99);
	assert_int_equal(metric_unit(&id), UNIT_NS);
	assert_true(metric_has_label(&id, "route"));
	assert_true(metric_has_label(&id, "method"));
	assert_true(metric_has_label(&id, "status"));
	assert_true(metric_has_label(&id, "service"));
	assert_false(metric_has_label(&id, "query"));
	assert_int_equal(metric_parse("http.request.latency", &id), -EINVAL);
	assert_int_equal(metric_parse("sql.query.latency.avg", &id), 0);
	assert_true(metric_has_label(&id, "query"));
	assert_int_equal(metric_parse("redis.command.latency.rate", &id), 0);
	assert_int_equal(metric_unit(&id), UNIT_PER_SEC);
	assert_true(metric_has_label(&id, "command"));
	assert_int_equal(metric_parse("cache.hit_ratio", &id), 0);
	assert_int_equal(metric_unit(&id), UNIT_PERCENT);
	assert_int_equal(metric_parse("cache.miss_ratio", &id), 0);
	assert_int_equal(metric_parse("cache.hit_ratio.p99", &id), -EINVAL);
}

static void test_series(void **unused)
{
	struct snapshot w;
	struct seen s;
	size_t i;

	app_window(&w);
	s = series_of(&w, "http.request.latency.p50");
	assert_int_equal(s.n, 4); /* per process and row */
	i = find(&s, "pid=10 service=shop role=server method=GET route=/users/{id} status=2xx");
	assert_true(s.value[i] > 19e6 && s.value[i] < 21e6);
	s = series_of(&w, "http.request.latency.rate");
	i = find(&s, "route=/orders status=5xx");
	assert_true(s.value[i] == 2.0); /* 4 in 2 s */
	s = series_of(&w, "sql.query.latency.max");
	assert_int_equal(s.n, 2);
	i = find(&s, "query=SELECT pg_sleep($1)");
	assert_true(s.value[i] == 120e6);
	s = series_of(&w, "redis.command.latency.p99");
	assert_int_equal(s.n, 2);
	find(&s, "role=client command=SET");
	/* Only commands that read have a hit ratio: GET, not SET. */
	s = series_of(&w, "cache.hit_ratio");
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "comm=api pid=10 service=shop role=client command=GET ");
	assert_true(s.value[0] > 89.999 && s.value[0] < 90.001);
	s = series_of(&w, "cache.miss_ratio");
	assert_true(s.value[0] > 9.999 && s.value[0] < 10.001);
	snapshot_free(&w);
}

struct fired {
	size_t n;
	char route[4][64];
	double value[4];
};

static void record(void *ctx, const struct alert_notice *n)
{
	struct fired *f = ctx;

	assert_true(f->n < 4);
	assert_int_equal(n->change, ALERT_FIRING);
	snprintf(f->route[f->n], sizeof(f->route[0]), "%s",
		 json_string_value(json_object_get(n->labels, "route")));
	f->value[f->n++] = n->value;
}

/* Only the matched route fires, though /report is slower. */
static void test_rule_on_route(void **unused)
{
	static const char conf[] = "[alert \"users-slow\"]\n"
				   "metric = http.request.latency.p99\n"
				   "where = route=/users/{id} status=2xx\n"
				   "critical = 15ms\n"
				   "[alert \"cache\"]\n"
				   "metric = cache.miss_ratio\n"
				   "where = command=GET\n"
				   "critical = 5%\n";
	struct config *cfg = NULL;
	struct alert_engine *e;
	struct fired f = {.n = 0};
	struct snapshot w;

	assert_int_equal(config_load_string(conf, "app.conf", &cfg, stderr), 0);
	e = alert_engine_new(cfg);
	assert_non_null(e);
	app_window(&w);
	alert_engine_eval_rule(e, 0, &w, 10 * 1000000000ULL, record, &f);
	assert_int_equal(f.n, 2); /* pid 10 and pid 11 */
	assert_string_equal(f.route[0], "/users/{id}");
	assert_string_equal(f.route[1], "/users/{id}");
	assert_true(f.value[0] > 19e6 && f.value[0] < 21e6);
	f.n = 0;
	alert_engine_eval_rule(e, 1, &w, 10 * 1000000000ULL, record, &f);
	assert_int_equal(f.n, 1);
	assert_true(f.value[0] > 9.999 && f.value[0] < 10.001);
	snapshot_free(&w);
	alert_engine_free(e);
	config_free(cfg);
}

/* check-config's validation: labels the metric does not have are refused. */
static void test_config_validation(void **unused)
{
	struct config *cfg = NULL;
	FILE *errs = tmpfile();

	assert_int_not_equal(config_load_string("[alert \"x\"]\n"
						"metric = sql.query.latency.p99\n"
						"where = route=/x\n"
						"critical = 50ms\n",
						"bad.conf", &cfg, errs),
			     0);
	config_free(cfg);
	cfg = NULL;
	assert_int_equal(config_load_string("[alert \"x\"]\n"
					    "metric = sql.query.latency.p99\n"
					    "where = query=*pg_sleep* service=shop\n"
					    "critical = 50ms\n",
					    "good.conf", &cfg, errs),
			 0);
	config_free(cfg);
	fclose(errs);
}

/* A 10 s window of three app_window() intervals: rules on app metrics keep
 * the rows of the older intervals (WDATA_APP), others drop them. */
static void test_window_keeps_rows(void **unused)
{
	for (int keep = 0; keep <= 1; keep++) {
		struct window_needs needs = {.spans = 1u << WINDOW_10S,
					     .data = WDATA_SYSCALL | (keep ? WDATA_APP : 0),
					     .all_procs = true};
		struct windows *w = windows_new(2000 * APP_MS, &needs);
		const struct snapshot *win;
		struct seen s;

		for (int k = 0; k < 3; k++) {
			struct snapshot one;

			app_window(&one);
			one.started_at_ns += (uint64_t)k * 2000 * APP_MS;
			assert_int_equal(windows_push(w, &one), 0);
			snapshot_free(&one);
		}
		win = windows_get(w, WINDOW_10S);
		s = series_of(win, "http.request.latency.rate");
		/* /orders: 4 requests per interval, 2 s each. */
		assert_true(s.value[find(&s, "route=/orders")] == (keep ? 12.0 / 6 : 4.0 / 6));
		windows_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_units_labels), cmocka_unit_test(test_series),
		cmocka_unit_test(test_rule_on_route),	   cmocka_unit_test(test_config_validation),
		cmocka_unit_test(test_window_keeps_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
