// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the scale-out/scale-in decision on fixed group loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rebalance/scale.h"

#define MS  1000000ULL
#define SEC 1000000000ULL

static struct group_state group(struct group_member *members, double cpu, double wait,
				uint64_t runq_p99)
{
	struct group_state s = {.name = "web", .members = members, .n_members = 3};

	for (int i = 0; i < 3; i++)
		members[i] = (struct group_member){
			.pid = 100 + i, .cpu = cpu, .wait = wait, .runq_p99_ns = runq_p99};
	return s;
}

static struct scale_policy policy(void)
{
	struct scale_policy p;

	scale_policy_default(&p);
	p.scale_out = "start %n";
	p.scale_in = "stop %n";
	p.windows = 2;
	p.cooldown_ns = 30 * SEC;
	return p;
}

/* Saturated for two windows: scale out once, then not again within the
 * cooldown however long it stays saturated; again after it. */
static void test_saturated_once_per_cooldown(void **state)
{
	struct scale_policy p = policy();
	struct scale_state st = {0};
	struct group_member m[3];
	struct group_state busy = group(m, 0.5, 0.5, 300 * MS);
	uint64_t t = 100 * SEC;

	assert_int_equal(scale_decide(&p, &st, &busy, t), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &busy, t + SEC), SCALE_OUT);
	for (uint64_t s = 2; s < 30; s++)
		assert_int_equal(scale_decide(&p, &st, &busy, t + s * SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &busy, t + 31 * SEC), SCALE_OUT);
}

/* Busy but fast: not saturated. A window in between resets the count. */
static void test_needs_latency_and_consecutive_windows(void **state)
{
	struct scale_policy p = policy();
	struct scale_state st = {0};
	struct group_member fm[3], sm[3];
	struct group_state fast = group(fm, 0.5, 0.5, 1 * MS), slow = group(sm, 0.5, 0.5, 300 * MS);

	assert_int_equal(scale_decide(&p, &st, &fast, SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &fast, 2 * SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &slow, 3 * SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &fast, 4 * SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &slow, 5 * SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &slow, 6 * SEC), SCALE_OUT);
}

static void test_idle_scales_in(void **state)
{
	struct scale_policy p = policy();
	struct scale_state st = {0};
	struct group_member m[3];
	struct group_state idle = group(m, 0.01, 0, 0);

	assert_int_equal(scale_decide(&p, &st, &idle, SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &idle, 2 * SEC), SCALE_IN);
	p.scale_in = NULL;
	st = (struct scale_state){0};
	assert_int_equal(scale_decide(&p, &st, &idle, SEC), SCALE_NONE);
	assert_int_equal(scale_decide(&p, &st, &idle, 2 * SEC), SCALE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saturated_once_per_cooldown),
		cmocka_unit_test(test_needs_latency_and_consecutive_windows),
		cmocka_unit_test(test_idle_scales_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
