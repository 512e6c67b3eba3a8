// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the placement plan on fixed loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rebalance/plan.h"

static const int two_cpus[] = {0, 1};
static const double idle2[] = {0, 0};
static const bool both[] = {true, true};

static void plan_of(const struct plan_member *m, size_t n, const double *bg, struct plan *out)
{
	struct plan_input in = {
		.n_cpus = 2,
		.cpus = two_cpus,
		.background = bg,
		.n_members = n,
		.members = m,
		.min_gain = 0.25,
	};

	assert_int_equal(plan_placement(&in, out), 0);
}

static int moves_to(const struct plan *p, int cpu)
{
	int n = 0;

	for (size_t i = 0; i < p->n_moves; i++)
		n += p->moves[i].to == cpu;
	return n;
}

/* Four CPU-bound workers pinned to CPU 0, CPU 1 idle: two move over. */
static void test_four_on_one_cpu(void **state)
{
	struct plan_member m[4];
	struct plan p;

	for (int i = 0; i < 4; i++)
		m[i] = (struct plan_member){
			.pid = 10 + i, .demand = 1.0, .cpu = 0, .allowed = both};
	plan_of(m, 4, idle2, &p);
	assert_string_equal(p.verdict, "move");
	assert_int_equal(p.n_moves, 2);
	assert_int_equal(moves_to(&p, 1), 2);
	assert_true(p.max_before > 3.99 && p.max_before < 4.01);
	assert_true(p.max_after > 1.99 && p.max_after < 2.01);
	assert_true(p.cv_before > 0.99 && p.cv_after < 0.01);
	plan_free(&p);
}

/* What others run on a CPU counts: with CPU 1 busy one core, one moves. */
static void test_background_load(void **state)
{
	static const double bg[] = {0, 1.0};
	struct plan_member m[4];
	struct plan p;

	for (int i = 0; i < 4; i++)
		m[i] = (struct plan_member){
			.pid = 10 + i, .demand = 1.0, .cpu = 0, .allowed = both};
	plan_of(m, 4, bg, &p);
	assert_int_equal(p.n_moves, 1);
	assert_true(p.max_after > 2.99 && p.max_after < 3.01);
	plan_free(&p);
}

/* One per CPU, or a near tie: nothing moves (hysteresis). */
static void test_balanced_stays(void **state)
{
	struct plan_member m[3] = {
		{.pid = 1, .demand = 0.9, .cpu = 0, .allowed = both},
		{.pid = 2, .demand = 0.8, .cpu = 1, .allowed = both},
		{.pid = 3, .demand = 0.1, .cpu = 1, .allowed = both},
	};
	struct plan p;

	plan_of(m, 3, idle2, &p);
	assert_string_equal(p.verdict, "balanced");
	assert_int_equal(p.n_moves, 0);
	assert_true(p.max_after == p.max_before);
	plan_free(&p);
}

/* Floating members are spread by the scheduler: no reason to pin them. */
static void test_floating_even(void **state)
{
	struct plan_member m[2] = {
		{.pid = 1, .demand = 0.6, .cpu = -1, .allowed = both},
		{.pid = 2, .demand = 0.6, .cpu = -1, .allowed = both},
	};
	struct plan p;

	plan_of(m, 2, idle2, &p);
	assert_string_equal(p.verdict, "balanced");
	assert_true(p.load_before[0] > 0.59 && p.load_before[0] < 0.61);
	plan_free(&p);
}

/* A member wanting more than a core is never pinned to one. */
static void test_multithreaded_stays(void **state)
{
	struct plan_member m[3] = {
		{.pid = 1, .demand = 1.8, .cpu = 0, .allowed = both},
		{.pid = 2, .demand = 0.5, .cpu = 0, .allowed = both},
		{.pid = 3, .demand = 0.5, .cpu = 0, .allowed = both},
	};
	struct plan p;

	plan_of(m, 3, idle2, &p);
	assert_string_equal(p.verdict, "move");
	for (size_t i = 0; i < p.n_moves; i++)
		assert_int_not_equal(p.moves[i].pid, 1);
	assert_int_equal(moves_to(&p, 1), 2);
	plan_free(&p);
}

static void test_cv(void **state)
{
	static const double even[] = {1, 1, 1, 1}, skew[] = {4, 0}, idle[] = {0, 0};

	assert_true(load_cv(even, 4) < 1e-9);
	assert_true(load_cv(skew, 2) > 0.999 && load_cv(skew, 2) < 1.001);
	assert_true(load_cv(idle, 2) == 0);
}

static void test_rejects_no_cpus(void **state)
{
	struct plan_input in = {.n_cpus = 0};
	struct plan p;

	assert_int_equal(plan_placement(&in, &p), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_on_one_cpu),	    cmocka_unit_test(test_background_load),
		cmocka_unit_test(test_balanced_stays),	    cmocka_unit_test(test_floating_even),
		cmocka_unit_test(test_multithreaded_stays), cmocka_unit_test(test_cv),
		cmocka_unit_test(test_rejects_no_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
