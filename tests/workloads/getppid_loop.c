// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall cost probe: N getppid calls in a tight loop, prints ns per call.
 * getppid does almost nothing in the kernel, so what a tracer adds to each
 * syscall shows up undiluted. Usage: getppid_loop [N] [REPEATS]; with
 * REPEATS > 1 the fastest repeat is printed (least disturbed by the host).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* syscall() rather than getppid(): no libc may ever cache the answer. */
static double ns_per_call(long n)
{
	double start = now_ns();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (now_ns() - start) / n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int repeats = argc > 2 ? atoi(argv[2]) : 1;
	double best;

	if (n <= 0 || repeats <= 0) {
		fprintf(stderr, "usage: getppid_loop [N>0] [REPEATS>0]\n");
		return 2;
	}
	best = ns_per_call(n);
	for (int r = 1; r < repeats; r++) {
		double t = ns_per_call(n);

		if (t < best)
			best = t;
	}
	printf("%.1f\n", best);
	return 0;
}
