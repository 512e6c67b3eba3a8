// SPDX-License-Identifier: GPL-2.0
/* hivemon_group_* series from the rebalancer's groups[]: exact lines, totals set not added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/snapshot.h"
#include "export/export_prom.h"
#include "probes/probe.h"

#define SEC 1000000000ULL
#define T0  (1700000000ULL * SEC)

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
		if (!has_line(text, line))                                                         \
			fail_msg("missing line: %s\n--- output ---\n%s", line, text);              \
	} while (0)

/* One interval of an empty host, then the groups of that interval. */
static char *publish(struct prom_registry *r, uint64_t at_ns, const char *groups_json)
{
	json_t *groups = json_loads(groups_json, 0, NULL);
	struct snapshot s;

	assert_non_null(groups);
	snapshot_init(&s);
	s.started_at_ns = at_ns;
	s.duration_ns = SEC;
	s.probes = PROBES_DEFAULT;
	assert_int_equal(prom_registry_add(r, &s), 0);
	assert_int_equal(prom_registry_set_groups(r, groups), 0);
	json_decref(groups);
	snapshot_free(&s);
	return render(r);
}

/* Two members pinned to CPU 0, one floating (last ran on CPU 1). */
static const char two_groups[] =
	"[{\"name\": \"web\", \"members\": ["
	"   {\"pid\": 10, \"comm\": \"nginx\", \"cpu_cores\": 0.25, \"pinned_cpu\": 0,"
	"    \"last_cpu\": 0},"
	"   {\"pid\": 11, \"comm\": \"nginx\", \"cpu_cores\": 0.5, \"pinned_cpu\": null,"
	"    \"last_cpu\": 1}],"
	"  \"imbalance\": {\"cv\": 0.75}, \"moves_applied\": 2, \"steering\": true,"
	"  \"scale_events\": {\"out\": 1, \"in\": 0}},"
	" {\"name\": \"jobs\\\"x\", \"mode\": \"plan\", \"moves_applied\": 0, \"steering\": false,"
	"  \"scale_events\": {\"out\": 0, \"in\": 3}}]";

static void test_group_lines(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	char *text = publish(r, T0, two_groups);

	assert_line(text, "# TYPE hivemon_group_members gauge");
	assert_line(text, "hivemon_group_members{group=\"web\"} 2");
	assert_line(text, "hivemon_group_imbalance{group=\"web\"} 0.75");
	assert_line(text, "# TYPE hivemon_group_member_cpu_percent gauge");
	assert_line(text, "hivemon_group_member_cpu_percent{group=\"web\",pid=\"10\",comm="
			  "\"nginx\",cpu=\"0\"} 25");
	assert_line(text, "hivemon_group_member_cpu_percent{group=\"web\",pid=\"11\",comm="
			  "\"nginx\",cpu=\"1\"} 50");
	assert_line(text, "# TYPE hivemon_group_moves_total counter");
	assert_line(text, "hivemon_group_moves_total{group=\"web\"} 2");
	assert_line(text, "hivemon_group_steering{group=\"web\"} 1");
	assert_line(text, "hivemon_group_scale_events_total{group=\"web\",direction=\"out\"} 1");
	assert_line(text, "hivemon_group_scale_events_total{group=\"web\",direction=\"in\"} 0");
	/* A group not measured yet: no members or imbalance, but its totals;
	 * its name escaped. */
	assert_null(strstr(text, "hivemon_group_members{group=\"jobs"));
	assert_line(text, "hivemon_group_steering{group=\"jobs\\\"x\"} 0");
	assert_line(text,
		    "hivemon_group_scale_events_total{group=\"jobs\\\"x\",direction=\"in\"} 3");
	free(text);
	prom_registry_free(r);
}

/* Totals are the rebalancer's, set each interval; a member that left is
 * not shown stale. */
static void test_totals_set_and_members_follow(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	char *text = publish(r, T0, two_groups);

	free(text);
	text = publish(r, T0 + SEC,
		       "[{\"name\": \"web\", \"members\": [{\"pid\": 10, \"comm\": \"nginx\","
		       " \"cpu_cores\": 0.5, \"pinned_cpu\": 0, \"last_cpu\": 0}],"
		       " \"imbalance\": {\"cv\": 0}, \"moves_applied\": 2, \"steering\": false,"
		       " \"scale_events\": {\"out\": 1, \"in\": 0}}]");
	assert_line(text, "hivemon_group_moves_total{group=\"web\"} 2");
	assert_line(text, "hivemon_group_members{group=\"web\"} 1");
	assert_line(text, "hivemon_group_steering{group=\"web\"} 0");
	assert_line(text, "hivemon_group_member_cpu_percent{group=\"web\",pid=\"10\",comm="
			  "\"nginx\",cpu=\"0\"} 50");
	assert_null(strstr(text, "pid=\"11\""));
	free(text);
	prom_registry_free(r);
}

static void test_not_an_array(void **state)
{
	struct prom_registry *r = prom_registry_new(false);
	char *text = publish(r, T0, "{}");

	assert_null(strstr(text, "hivemon_group_"));
	free(text);
	prom_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_lines),
		cmocka_unit_test(test_totals_set_and_members_follow),
		cmocka_unit_test(test_not_an_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
