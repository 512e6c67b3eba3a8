// SPDX-License-Identifier: GPL-2.0
/* Human units in each style, and RFC 3339 timestamps both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/rfc3339.h"
#include "util/units.h"

static void test_durations(void **state)
{
	char b[UNITS_BUFLEN];

	assert_string_equal(units_ns(850, UNITS_REPORT, b, sizeof(b)), "850ns");
	assert_string_equal(units_ns(12345, UNITS_REPORT, b, sizeof(b)), "12.3us");
	assert_string_equal(units_ns(999999, UNITS_REPORT, b, sizeof(b)), "1000.0us");
	assert_string_equal(units_ns(20100000, UNITS_REPORT, b, sizeof(b)), "20.1ms");
	assert_string_equal(units_ns(1.5e9, UNITS_REPORT, b, sizeof(b)), "1.50s");
	assert_string_equal(units_ns(0, UNITS_REPORT, b, sizeof(b)), "0ns");
	assert_string_equal(units_ns(0, UNITS_TOP, b, sizeof(b)), "-");
	assert_string_equal(units_ns(999, UNITS_TOP, b, sizeof(b)), "999ns");
	assert_string_equal(units_ns(999499, UNITS_TOP, b, sizeof(b)), "999µs");
	assert_string_equal(units_ns(999500, UNITS_TOP, b, sizeof(b)), "1.00ms");
	assert_string_equal(units_ns(212e6, UNITS_METRIC, b, sizeof(b)), "212ms");
	assert_string_equal(units_ns(1.5e9, UNITS_METRIC, b, sizeof(b)), "1.5s");
	assert_string_equal(units_ns(7200e9, UNITS_METRIC, b, sizeof(b)), "7.2e+03s");
	assert_string_equal(format_ns(3000000000ULL, b, sizeof(b)), "3.00s");
}

static void test_sizes(void **state)
{
	char b[UNITS_BUFLEN];

	assert_string_equal(units_bytes(1023, UNITS_REPORT, b, sizeof(b)), "1023B");
	assert_string_equal(units_bytes(1536, UNITS_REPORT, b, sizeof(b)), "1.5K");
	assert_string_equal(units_bytes(3.0 * (1ULL << 50), UNITS_REPORT, b, sizeof(b)), "3.0P");
	assert_string_equal(units_bytes(1023.4 * 1024, UNITS_TOP, b, sizeof(b)), "1023K");
	assert_string_equal(units_bytes(1023.5 * 1024, UNITS_TOP, b, sizeof(b)), "1.00M");
	assert_string_equal(units_bytes(3.0 * (1ULL << 40), UNITS_TOP, b, sizeof(b)), "3072G");
	assert_string_equal(units_bytes(100.0 * 1024 * 1024, UNITS_METRIC, b, sizeof(b)),
			    "100.0MB");
	assert_string_equal(units_bytes(512, UNITS_METRIC, b, sizeof(b)), "512B");
	assert_string_equal(format_bytes(80ULL << 20, b, sizeof(b)), "80.0M");
	assert_string_equal(units_sig3(1.234, "k", b, sizeof(b)), "1.23k");
}

#define T_2023 1700000000ULL /* 2023-11-14T22:13:20Z */

static void test_rfc3339(void **state)
{
	uint64_t ns = T_2023 * 1000000000ULL + 250123456ULL;
	char b[RFC3339_BUFLEN];

	assert_string_equal(rfc3339_format(ns, RFC3339_SECONDS, b, sizeof(b)),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(rfc3339_format(ns, RFC3339_MILLIS, b, sizeof(b)),
			    "2023-11-14T22:13:20.250Z");
	assert_string_equal(rfc3339_format(ns, RFC3339_PG, b, sizeof(b)),
			    "2023-11-14 22:13:20.250123+00");
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.250Z"), ns - 123456);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20Z"), T_2023 * 1000000000ULL);
	assert_int_equal(rfc3339_parse(rfc3339_format(ns, RFC3339_MILLIS, b, sizeof(b))),
			 ns - 123456);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.5Z"),
			 T_2023 * 1000000000ULL + 500000000);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.123456789Z"),
			 T_2023 * 1000000000ULL + 123456789);
	assert_int_equal(rfc3339_parse("yesterday"), 0);
	assert_int_equal(rfc3339_parse(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_rfc3339),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
