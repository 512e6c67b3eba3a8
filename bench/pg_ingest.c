// SPDX-License-Identifier: GPL-2.0
/* Rows per second the PostgreSQL store writes: N synthetic intervals queued
 * at once, timed until the writer thread has committed them all. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "store/store_pg.h"
#include "synth.h"

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned int procs = argc > 2 ? (unsigned int)atoi(argv[2]) : 1000;
	unsigned int intervals = argc > 3 ? (unsigned int)atoi(argv[3]) : 10;
	struct store_pg_stats st = {0};
	double queued_s = 0, t0, deadline;
	struct store_pg *s;
	uint64_t rows = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pg_ingest CONNINFO [PROCS] [INTERVALS]\n");
		return 2;
	}
	s = store_pg_open(argv[1], 0);
	if (!s)
		return 1;
	/* Let it connect and migrate first: that is not ingest time. */
	for (deadline = seconds() + 10; seconds() < deadline && !st.connected; usleep(10000))
		store_pg_get_stats(s, &st);
	t0 = seconds();
	for (unsigned int i = 0; i < intervals; i++) {
		struct snapshot snap;
		double q0;

		synth_snapshot(&snap, procs, 10, 20, i);
		q0 = seconds();
		store_pg_write_snapshot(s, &snap);
		queued_s += seconds() - q0;
		snapshot_free(&snap);
	}
	/* Everything is queued, written or dropped by now: that is the total. */
	store_pg_get_stats(s, &st);
	rows = st.rows_queued + st.rows_written + st.rows_dropped;
	for (deadline = seconds() + 120; seconds() < deadline; usleep(2000)) {
		store_pg_get_stats(s, &st);
		if (st.rows_written + st.rows_dropped >= rows)
			break;
	}
	{
		double elapsed = seconds() - t0;

		store_pg_get_stats(s, &st);
		printf("processes=%u intervals=%u rows_written=%llu rows_dropped=%llu\n", procs,
		       intervals, (unsigned long long)st.rows_written,
		       (unsigned long long)st.rows_dropped);
		printf("caller time per interval (render rows + enqueue): %.2f ms\n",
		       queued_s * 1000 / intervals);
		double rate = (double)st.rows_written / elapsed;
		double per_interval = (double)st.rows_written / intervals;

		printf("ingest: %.0f rows/s (%.2f s)\n", rate, elapsed);
		/* How many hosts like this one, at interval = 1s, one database keeps up with. */
		printf("headroom: %.1fx the rows this host makes at interval = 1s\n",
		       rate / per_interval);
	}
	store_pg_close(s, 5000);
	return st.rows_dropped ? 1 : 0;
}
