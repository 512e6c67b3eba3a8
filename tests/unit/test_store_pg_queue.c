// SPDX-License-Identifier: GPL-2.0
/* The store's bounded queue with the database away: writes never wait, the
 * oldest statistics are dropped and counted, alert transitions are kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "probes/probe.h"
#include "store/store_pg.h"

#define ROWS_PER_SNAPSHOT 10000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ROWS_PER_SNAPSHOT processes with one syscall each: one row apiece. */
static void make_snapshot(struct snapshot *s)
{
	snapshot_init(s);
	strcpy(s->host, "h");
	s->started_at_ns = 1700000000ULL * 1000000000ULL;
	s->duration_ns = 1000000000ULL;
	s->probes = PROBE_SYSCALL;
	for (uint32_t pid = 1; pid <= ROWS_PER_SNAPSHOT; pid++) {
		struct syscall_stat *sc = proc_syscall(snapshot_proc(s, pid), 39);

		hist_record(&sc->lat, 1000);
		sc->count = 1;
	}
}

static void test_bounded_queue_while_database_is_down(void **state)
{
	struct store_pg *s = store_pg_open("host=/nonexistent-hivemon-socket-dir port=1 "
					   "user=nobody dbname=none connect_timeout=1",
					   0);
	struct store_alert_row alert = {.rule = "r",
					.severity = "critical",
					.status = "firing",
					.labels_json = "{}",
					.at_ns = 1};
	const int snapshots = STORE_PG_QUEUE_MAX_ROWS / ROWS_PER_SNAPSHOT + 5;
	struct store_pg_stats st;
	double slowest = 0, t0;
	struct snapshot snap;

	assert_non_null(s);
	make_snapshot(&snap);
	assert_int_equal(store_pg_write_alert(s, &alert), 0);
	for (int i = 0; i < snapshots; i++) {
		t0 = now_ms();
		assert_int_equal(store_pg_write_snapshot(s, &snap), 0);
		if (now_ms() - t0 > slowest)
			slowest = now_ms() - t0;
	}
	store_pg_get_stats(s, &st);
	assert_false(st.connected);
	assert_int_equal(st.rows_written, 0);
	assert_true(st.rows_queued <= STORE_PG_QUEUE_MAX_ROWS);
	assert_int_equal(st.rows_queued + st.rows_dropped,
			 1 + (uint64_t)snapshots * ROWS_PER_SNAPSHOT);
	/* Whole statistics batches went, the alert row stayed. */
	assert_int_equal(st.rows_dropped % ROWS_PER_SNAPSHOT, 0);
	assert_int_equal(st.rows_queued % ROWS_PER_SNAPSHOT, 1);
	assert_true(st.rows_dropped >= 5 * ROWS_PER_SNAPSHOT);
	/* Rendering 10000 rows takes milliseconds; waiting for a database would take seconds. */
	assert_true(slowest < 500);
	t0 = now_ms();
	store_pg_close(s, 200);
	assert_true(now_ms() - t0 < 3000);
	snapshot_free(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded_queue_while_database_is_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
