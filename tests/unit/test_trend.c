// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the least-squares trend alert rules predict with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/trend.h"

#define SEC 1000000000ULL

/* 1 MB/s from 10 MB: 15 min ahead of the last point is 10 + 59 + 900 MB. */
static void test_line(void **unused)
{
	struct trend tr = {0};
	double v, slope;

	for (uint64_t s = 0; s < 60; s++)
		trend_add(&tr, 1000 * SEC + s * SEC, 10e6 + 1e6 * (double)s);
	assert_true(trend_predict(&tr, 1059 * SEC + 900 * SEC, &v, &slope));
	assert_true(slope > 0.999e6 && slope < 1.001e6);
	assert_true(v > 968.9e6 && v < 969.1e6);
}

/* The ring keeps the last TREND_SAMPLES points: an old flat stretch does
 * not dilute a new slope. */
static void test_recent_points_only(void **unused)
{
	struct trend tr = {0};
	double v, slope;

	for (uint64_t s = 0; s < 200; s++)
		trend_add(&tr, s * SEC, 5.0);
	for (uint64_t s = 200; s < 200 + TREND_SAMPLES; s++)
		trend_add(&tr, s * SEC, 5.0 + 2.0 * (double)(s - 200));
	assert_true(trend_predict(&tr, (200 + TREND_SAMPLES - 1) * SEC, &v, &slope));
	assert_true(slope > 1.999 && slope < 2.001);
}

static void test_needs_points(void **unused)
{
	struct trend tr = {0};
	double v, slope;

	for (uint64_t s = 0; s < TREND_MIN - 1; s++)
		trend_add(&tr, s * SEC, 1.0);
	assert_false(trend_predict(&tr, 100 * SEC, &v, &slope));
	trend_add(&tr, 100 * SEC, 1.0);
	assert_true(trend_predict(&tr, 100 * SEC, &v, &slope));
	assert_true(slope == 0 && v == 1.0);
	tr = (struct trend){0};
	for (int i = 0; i < TREND_MIN; i++)
		trend_add(&tr, 5 * SEC, (double)i); /* one instant: no line */
	assert_false(trend_predict(&tr, 6 * SEC, &v, &slope));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_recent_points_only),
		cmocka_unit_test(test_needs_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
