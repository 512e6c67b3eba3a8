// SPDX-License-Identifier: GPL-2.0
/*
 * Sleeps in short naps on an idle machine: `sleeper COUNT MILLISECONDS`.
 * Each wakeup finds a free CPU, so its run-queue delay is small.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec nap;
	long count, ms;

	if (argc < 3) {
		fprintf(stderr, "usage: sleeper COUNT MILLISECONDS\n");
		return 2;
	}
	count = atol(argv[1]);
	ms = atol(argv[2]);
	nap.tv_sec = ms / 1000;
	nap.tv_nsec = (ms % 1000) * 1000000L;
	for (long i = 0; i < count; i++)
		nanosleep(&nap, NULL);
	return 0;
}
