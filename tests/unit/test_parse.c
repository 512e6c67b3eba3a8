// SPDX-License-Identifier: GPL-2.0
/* The shared value parsers: integers, booleans, rates (durations: test_cli, sizes: test_config). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/parse.h"

static void test_uint(void **state)
{
	static const char *const bad[] = {"", "+5", "-5", " 5", "5 ", "0x10", "abc", "17", "0"};
	unsigned long v = 0;

	assert_int_equal(parse_uint("16", 1, 16, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_uint("007", 1, 16, &v), 0);
	assert_int_equal(v, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (parse_uint(bad[i], 1, 16, &v) == 0 || v != 42)
			fail_msg("parse_uint(\"%s\") accepted: %lu", bad[i], v);
	}
	assert_int_not_equal(parse_uint("99999999999999999999999", 1, ~0UL, &v), 0);
	assert_int_not_equal(parse_uint(NULL, 1, 16, &v), 0);
}

static void test_bool(void **state)
{
	bool b = false;

	assert_int_equal(parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("OFF", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("1", &b), 0);
	assert_true(b);
	assert_int_not_equal(parse_bool("maybe", &b), 0);
	assert_int_not_equal(parse_bool("", &b), 0);
}

static void test_rate_percent(void **state)
{
	double v = 0;

	assert_int_equal(parse_rate("12.5/s", &v), 0);
	assert_true(v == 12.5);
	assert_int_equal(parse_rate("3 /s", &v), 0);
	assert_true(v == 3);
	assert_int_equal(parse_rate("7", &v), 0);
	assert_true(v == 7);
	assert_int_not_equal(parse_rate("7/m", &v), 0);
	assert_int_not_equal(parse_rate("-1/s", &v), 0);
	assert_int_equal(parse_percent("85 %", &v), 0);
	assert_true(v == 85);
	assert_int_not_equal(parse_percent("85/s", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_rate_percent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
