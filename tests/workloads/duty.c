// SPDX-License-Identifier: GPL-2.0
/*
 * A known time breakdown: `duty SLEEP_MS SPIN_MS SECONDS` alternates a
 * clock_nanosleep of SLEEP_MS with SPIN_MS of spinning on the CPU (no
 * syscalls), for SECONDS. With 10 10 its thread sleeps half of the time and
 * runs the other half.
 */
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double sleep_s, spin_s, end;
	struct timespec nap;

	if (argc != 4)
		return 2;
	sleep_s = atof(argv[1]) / 1e3;
	spin_s = atof(argv[2]) / 1e3;
	end = now() + atof(argv[3]);
	nap.tv_sec = (time_t)sleep_s;
	nap.tv_nsec = (long)((sleep_s - nap.tv_sec) * 1e9);
	while (now() < end) {
		double stop;

		clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);
		/* clock_gettime is a vDSO call: no syscall while spinning. */
		for (stop = now() + spin_s; now() < stop;)
			;
	}
	return 0;
}
