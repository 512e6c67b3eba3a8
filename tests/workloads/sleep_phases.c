// SPDX-License-Identifier: GPL-2.0
/*
 * Sleeps in phases of known latency, the ground truth of the alert tests:
 *   sleep_phases MS:SECONDS [MS:SECONDS ...]
 * each phase makes back-to-back clock_nanosleep calls of MS milliseconds
 * for SECONDS seconds. At the start of each phase it prints
 * "phase <index> <ms> <CLOCK_REALTIME seconds>" (flushed) on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sleep_phases MS:SECONDS [MS:SECONDS ...]\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		double ms, secs, end;
		struct timespec ts;

		if (sscanf(argv[i], "%lf:%lf", &ms, &secs) != 2 || ms <= 0 || secs < 0) {
			fprintf(stderr, "sleep_phases: bad phase '%s'\n", argv[i]);
			return 2;
		}
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
		printf("phase %d %g %.6f\n", i, ms, now(CLOCK_REALTIME));
		fflush(stdout);
		end = now(CLOCK_MONOTONIC) + secs;
		while (now(CLOCK_MONOTONIC) < end)
			clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	}
	return 0;
}
