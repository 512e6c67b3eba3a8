// SPDX-License-Identifier: GPL-2.0
/*
 * Burns CPU for a given time: `spinner SECONDS [CPU]`. Pinned to CPU when
 * given, so several spinners on one CPU share it in known proportions.
 * `spinner -c SECONDS [CPU]` burns SECONDS of CPU time instead (however
 * long that takes on a busy host): a known amount of on-CPU time.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	volatile unsigned long spins = 0;
	double end;

	if (argc > 1 && !strcmp(argv[1], "-c")) {
		clock_id = CLOCK_PROCESS_CPUTIME_ID;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: spinner [-c] SECONDS [CPU]\n");
		return 2;
	}
	if (argc > 2) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(atoi(argv[2]), &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("spinner: sched_setaffinity");
			return 1;
		}
	}
	end = now_s() + atof(argv[1]);
	while (now_s() < end)
		for (int i = 0; i < 10000; i++)
			spins++;
	return 0;
}
