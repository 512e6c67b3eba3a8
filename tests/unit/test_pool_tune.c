// SPDX-License-Identifier: GPL-2.0
/*
 * Pool verdicts and sizes on synthetic windows: each verdict, the step up
 * of a pinned pool, the Vegas check, the clamp, hysteresis, and the cap of
 * a server's connection budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/pool_tune.h"

#define MS 1000000ULL

static const struct pool_bounds bounds = {.min = 5, .max = 50};

/* @open connections, @rate req/s of @lat_ms each, busy = Little. */
static struct pool_measure window(unsigned int open, double rate, double lat_ms, double busy_peak)
{
	struct pool_measure m = {
		.window_s = 3,
		.open_known = true,
		.open = open,
		.open_min = open,
		.open_max = open,
		.rate = rate,
		.busy_mean = rate * lat_ms / 1e3,
		.busy_peak = busy_peak,
		.p50_ns = (uint64_t)(lat_ms * MS),
		.p95_ns = (uint64_t)(lat_ms * 1.05 * MS),
		.p99_ns = (uint64_t)(lat_ms * 1.1 * MS),
	};
	return m;
}

static void test_oversized(void **unused)
{
	/* pgbench -c 40 -R 100, 10 ms queries: 1 busy of 40. */
	struct pool_measure m = window(40, 100, 10, 4);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_OVERSIZED);
	assert_string_equal(pool_verdict_name(d.verdict), "oversized");
	assert_int_equal(d.recommended, 5); /* 1.3 clamped to the minimum */
	assert_false(d.pinned);
}

static void test_undersized_steps_up(void **unused)
{
	/* pgbench -c 4 -R 400 with 20 ms: 4 open, 200 req/s served, pinned. */
	struct pool_measure m = window(4, 198, 20, 4);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_UNDERSIZED);
	assert_true(d.pinned && d.stepped);
	assert_int_equal(d.recommended, 6); /* 4 x 1.5 = 6 = 4 + 2 */

	/* From 6 and 9, the steps go on while pinned: 9, then 14. */
	m = window(6, 298, 20, 6);
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.recommended, 9);
	m = window(9, 400, 20.6, 9);
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_UNDERSIZED);
	assert_int_equal(d.recommended, 14);

	/* Unpinned at 14: Little on the tail, 400 x 21.6 ms x 1.25 = 10.8. */
	m = window(14, 400, 20.6, 12);
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_OK);
	assert_false(d.pinned);
	assert_int_equal(d.recommended, 11);
}

/* At 14 with a slower server (p95 33 ms): Little says 18, but the busy
 * peak never came near 14, so the pool keeps its size. */
static void test_no_growth_without_saturation(void **unused)
{
	struct pool_measure m = window(14, 420, 22.4, 11.8); /* busy 9.4 */
	struct pool_tune_state s = {.size = 14};
	struct pool_decision d;

	m.p95_ns = 33 * MS;
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_true(d.little > 17);
	assert_int_equal(d.verdict, POOL_OK);
	assert_int_equal(d.recommended, 14);
	/* Saturated at moments (peak 13.5 of 14): it grows. */
	m.busy_peak = 13.5;
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.recommended, 18);
}

static void test_step_is_bounded_by_max(void **unused)
{
	struct pool_measure m = window(48, 4800, 10, 48);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_UNDERSIZED);
	assert_int_equal(d.recommended, 50);
}

static void test_vegas_holds_step(void **unused)
{
	/* Pinned, and exchanges now take 3x the median of an earlier, lighter
	 * window: the server queues. */
	struct pool_measure light = window(20, 300, 6.6, 5);
	struct pool_measure m = window(20, 1000, 20, 20);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	pool_tune_decide(&light, &bounds, &s, &d);
	assert_int_equal(d.vegas_queue, 0);
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_UNDERSIZED);
	assert_true(d.vegas_queue > POOL_VEGAS_BETA);
	assert_false(d.stepped);
	assert_int_equal(d.recommended, 26); /* Little: 1000 x 21 ms x 1.25 */
}

static void test_no_pooling(void **unused)
{
	/* pgbench -C: a connect per transaction, two exchanges each. */
	struct pool_measure m = window(3, 200, 10, 3);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	m.connects_per_s = 100;
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_NO_POOLING);
	assert_int_equal(d.recommended, 5);

	/* Connects that failed, with no request: not a pool at all. */
	m.rate = 0;
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_OK);
	m.rate = 200;

	/* Reconnecting now and then is pooling. */
	m.connects_per_s = 2;
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_not_equal(d.verdict, POOL_NO_POOLING);
}

static void test_ok(void **unused)
{
	/* 500 req/s x 21 ms x 1.25 = 13.1 -> 14 for 16 open, peak 12. */
	struct pool_measure m = window(16, 500, 20, 12);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_OK);
	assert_int_equal(d.recommended, 14);
}

static void test_hysteresis(void **unused)
{
	struct pool_tune_state s = {0};
	struct pool_measure m;
	struct pool_decision d;
	/* Rates whose sizes wobble 14, 13, 15, 14, 12: all within 20 % of 14. */
	static const double rates[] = {500, 480, 540, 500, 450};

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		m = window(16, rates[i], 20, 12);
		pool_tune_decide(&m, &bounds, &s, &d);
		assert_int_equal(d.recommended, 14);
	}
	/* A real change goes through: 800 req/s -> 21. */
	m = window(24, 800, 20, 18);
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.recommended, 21);
	assert_int_equal(s.size, 21);
}

static void test_open_unknown(void **unused)
{
	/* Without the socket scan nothing is pinned or oversized. */
	struct pool_measure m = window(0, 100, 10, 1);
	struct pool_tune_state s = {0};
	struct pool_decision d;

	m.open_known = false;
	pool_tune_decide(&m, &bounds, &s, &d);
	assert_int_equal(d.verdict, POOL_OK);
	assert_int_equal(d.recommended, 5);
}

static void test_cap(void **unused)
{
	unsigned int sizes[] = {12, 12};
	unsigned int small[] = {3, 1, 1};
	unsigned int fits[] = {5, 6};

	assert_true(pool_tune_cap(sizes, 2, 17));
	assert_int_equal(sizes[0], 8);
	assert_int_equal(sizes[1], 8);
	assert_false(pool_tune_cap(fits, 2, 11));
	assert_int_equal(fits[0] + fits[1], 11);
	assert_true(pool_tune_cap(small, 3, 3));
	assert_int_equal(small[0] + small[1] + small[2], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_undersized_steps_up),
		cmocka_unit_test(test_step_is_bounded_by_max),
		cmocka_unit_test(test_no_growth_without_saturation),
		cmocka_unit_test(test_vegas_holds_step),
		cmocka_unit_test(test_no_pooling),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_open_unknown),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
