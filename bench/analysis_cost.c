// SPDX-License-Identifier: GPL-2.0
/*
 * What one analysis of a busy host costs: analysis_run() over a synthetic
 * snapshot of N processes (default 500, 10 to a service, 20 syscalls each,
 * a server and a client request row, run-queue delays), run R times
 * (default 200). Prints the median and the fastest run in ms of CPU time
 * (the process's own: other load on the host does not count), and the
 * median wall time.
 *
 * usage: analysis_cost [PROCS] [RUNS]
 */
#include <stdlib.h>

#include "analysis/analysis.h"
#include "synth.h"

static double now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	unsigned int procs = argc > 1 ? (unsigned int)atoi(argv[1]) : 500;
	unsigned int runs = argc > 2 ? (unsigned int)atoi(argv[2]) : 200;
	struct analysis_limits lim;
	struct findings found = {0};
	struct snapshot snap;
	double *ms, *wall;

	ms = calloc(runs + 1, sizeof(*ms));
	wall = calloc(runs + 1, sizeof(*wall));
	if (!procs || !runs || !ms || !wall)
		return 2;
	synth_snapshot(&snap, procs, 10, 20, 0);
	/* Named as the collector would: ten processes to a service. */
	for (size_t i = 0; i < snap.n_procs; i++) {
		snprintf(snap.procs[i].service, sizeof(snap.procs[i].service), "%s",
			 snap.procs[i].comm);
		snap.procs[i].service_key = snap.procs[i].pid / 10 + 1;
	}
	analysis_default_limits(&lim);
	for (unsigned int r = 0; r < runs; r++) {
		double t = now_ms(CLOCK_PROCESS_CPUTIME_ID), w = now_ms(CLOCK_MONOTONIC);

		if (analysis_run(&snap, &lim, &found))
			return 1;
		ms[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - t;
		wall[r] = now_ms(CLOCK_MONOTONIC) - w;
	}
	qsort(ms, runs, sizeof(*ms), by_value);
	qsort(wall, runs, sizeof(*wall), by_value);
	printf("analysis of %u processes: CPU median %.3f ms, fastest %.3f ms; wall median "
	       "%.3f ms (%u runs, %zu findings)\n",
	       procs, ms[runs / 2], ms[0], wall[runs / 2], runs, found.n);
	findings_free(&found);
	snapshot_free(&snap);
	free(ms);
	free(wall);
	return 0;
}
