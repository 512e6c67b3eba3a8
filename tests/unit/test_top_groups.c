// SPDX-License-Identifier: GPL-2.0
/* The groups pane of top, laid out from a fixed groups[]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "top/top_groups.h"

static const char groups_json[] =
	"[{\"name\": \"web\", \"mode\": \"apply\", \"held\": 0, \"moves_applied\": 2,"
	"  \"steering\": true,"
	"  \"members\": [{\"pid\": 10, \"comm\": \"nginx\", \"cpu_cores\": 0.5, \"pinned_cpu\": 1,"
	"    \"last_cpu\": 1, \"runq_p99_ns\": 2000000, \"requests_per_s\": 120,"
	"    \"request_p99_ns\": 12500000},"
	"   {\"pid\": 11, \"comm\": \"nginx\", \"cpu_cores\": 0.25, \"pinned_cpu\": null,"
	"    \"last_cpu\": 0, \"runq_p99_ns\": 0, \"requests_per_s\": 0, \"request_p99_ns\": 0}],"
	"  \"imbalance\": {\"cv\": 0.123}, \"plan\": {\"verdict\": \"balanced\", \"moves\": []},"
	"  \"last_action\": \"moved pid 10 from cpu 0 to cpu 1\","
	"  \"actions\": [{\"action\": \"move\", \"effect\": {\"state\": \"done\","
	"    \"windows_before\": 3, \"windows_after\": 3,"
	"    \"group\": {\"before\": {\"cpu_percent\": 25, \"runq_p99_ns\": 48000000},"
	"               \"after\": {\"cpu_percent\": 49.5, \"runq_p99_ns\": 9000000}}}}]},"
	" {\"name\": \"jobs\", \"mode\": \"plan\", \"held\": 1, \"moves_applied\": 0,"
	"  \"steering\": false, \"members\": [], \"imbalance\": {\"cv\": 0.9},"
	"  \"plan\": {\"verdict\": \"move\", \"moves\": [{}, {}]}, \"last_action\": null,"
	"  \"actions\": []}]";

static int find(const struct top_lines *l, const char *text)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].text, text))
			return (int)i;
	for (size_t i = 0; i < l->n; i++)
		print_message("%s\n", l->items[i].text);
	fail_msg("no line '%s'", text);
	return -1;
}

static void test_pane(void **state)
{
	json_t *groups = json_loads(groups_json, 0, NULL);
	struct top_lines l;

	assert_non_null(groups);
	top_lines_init(&l);
	top_format_groups(groups, &l);
	assert_int_equal(l.items[find(&l, "Groups (2)")].style, STYLE_TITLE);
	find(&l, "web              apply        2      0.12  balanced             on           2");
	find(&l, "  last action: moved pid 10 from cpu 0 to cpu 1");
	find(&l, "  effect (done, 3/3 intervals): CPU% per member 25.0 -> 49.5, run-queue p99 "
		 "48.0ms -> 9.00ms");
	find(&l, "  10       nginx                1    50.0    2.00ms      120    12.5ms");
	find(&l, "  11       nginx               ~0    25.0         -        0         -");
	find(&l, "jobs             plan         0      0.90  move 2 (held 1)      off          0");
	find(&l, "  last action: none");
	top_lines_free(&l);

	top_lines_init(&l);
	top_format_groups(NULL, &l);
	find(&l, "Groups (0)");
	top_lines_free(&l);
	json_decref(groups);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
