// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kernel/counters.c, the deltas every probe takes of the
 * kernel's cumulative counters: growth, a record the LRU map evicted and
 * created again (never a ~2^64 delta), and counts held outside the map
 * (threads' batches) whose sum with the map may drop for one window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/counters.h"

static void test_growth_is_the_delta(void **state)
{
	uint64_t seen[3] = {0}, d[3];
	const uint64_t first[3] = {10, 2, 500}, second[3] = {25, 2, 900};

	assert_false(counters_delta(first, seen, NULL, NULL, d, 3));
	assert_int_equal(d[0], 10);
	assert_int_equal(d[1], 2);
	assert_int_equal(d[2], 500);
	assert_false(counters_delta(second, seen, NULL, NULL, d, 3));
	assert_int_equal(d[0], 15);
	assert_int_equal(d[1], 0);
	assert_int_equal(d[2], 400);
	assert_memory_equal(seen, second, sizeof(second));
}

/* Evicted at 1,000,000 calls, created again and at 7 by the next read. */
static void test_evicted_record_restarts_from_zero(void **state)
{
	uint64_t seen[2] = {1000000, 40}, d[2];
	const uint64_t again[2] = {7, 1};

	assert_true(counters_delta(again, seen, NULL, NULL, d, 2));
	assert_int_equal(d[0], 7);
	assert_int_equal(d[1], 1);
	assert_int_equal(seen[0], 7);
	/* Reading the same values again gives nothing more. */
	assert_false(counters_delta(again, seen, NULL, NULL, d, 2));
	assert_int_equal(d[0], 0);
	assert_int_equal(d[1], 0);
}

/* One counter going back is enough: the whole record restarted, even if
 * another one grew past its old value meanwhile. */
static void test_one_counter_back_restarts_the_record(void **state)
{
	uint64_t seen[2] = {100, 50}, d[2];
	const uint64_t again[2] = {120, 3};

	assert_true(counters_delta(again, seen, NULL, NULL, d, 2));
	assert_int_equal(d[0], 120);
	assert_int_equal(d[1], 3);
}

/* Map + held counts: a batch still held is reported now, and not again
 * when it reaches the map. */
static void test_held_counts_are_reported_once(void **state)
{
	uint64_t seen[1] = {0}, held_seen[1] = {0}, d[1], map[1] = {1000}, held[1] = {123};

	counters_delta(map, seen, held, held_seen, d, 1);
	assert_int_equal(d[0], 1123);
	/* The batch of 123 flushed, 5 new calls held. */
	map[0] = 1123;
	held[0] = 5;
	counters_delta(map, seen, held, held_seen, d, 1);
	assert_int_equal(d[0], 5);
}

/* A batch flushed between the map read and the held read is in neither:
 * the window gets 0 instead of a negative delta, and the next read, when
 * the map shows the batch, makes the total exact again. */
static void test_flush_between_reads_is_carried_not_negative(void **state)
{
	uint64_t seen[1] = {0}, held_seen[1] = {0}, d[1], map[1] = {1000}, held[1] = {200};
	uint64_t total;

	counters_delta(map, seen, held, held_seen, d, 1);
	total = d[0];
	assert_int_equal(total, 1200);
	/* Read the map (still 1000), the 200 flush, then 3 new calls held. */
	held[0] = 3;
	counters_delta(map, seen, held, held_seen, d, 1);
	assert_int_equal(d[0], 0);
	/* Next read: the map has the 200 and the 3, 4 more are held. */
	map[0] = 1203;
	held[0] = 4;
	counters_delta(map, seen, held, held_seen, d, 1);
	total += d[0];
	assert_int_equal(total, 1207);
}

/* Held calls reported before an eviction and flushed into the evicted
 * record are lost with it: the new record's calls are not swallowed. */
static void test_restart_forgets_held_calls_gone_with_the_record(void **state)
{
	uint64_t seen[1] = {0}, held_seen[1] = {0}, d[1], map[1] = {5000}, held[1] = {200};

	counters_delta(map, seen, held, held_seen, d, 1);
	/* The 200 flushed, the record evicted, 10 new calls in a new record. */
	map[0] = 10;
	held[0] = 0;
	assert_true(counters_delta(map, seen, held, held_seen, d, 1));
	assert_int_equal(d[0], 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_is_the_delta),
		cmocka_unit_test(test_evicted_record_restarts_from_zero),
		cmocka_unit_test(test_one_counter_back_restarts_the_record),
		cmocka_unit_test(test_held_counts_are_reported_once),
		cmocka_unit_test(test_flush_between_reads_is_carried_not_negative),
		cmocka_unit_test(test_restart_forgets_held_calls_gone_with_the_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
