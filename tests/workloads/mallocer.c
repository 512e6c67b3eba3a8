// SPDX-License-Identifier: GPL-2.0
/*
 * Known allocations: `mallocer N SIZE STARTFILE [HOLD_S]` waits (without
 * allocating) until STARTFILE exists, then makes exactly N malloc(SIZE)
 * calls, keeps the blocks, frees all N, prints the mean ns of a
 * malloc+free, and stays alive HOLD_S seconds. For benchmarks,
 * `mallocer -b SECONDS SIZE [STARTFILE]` waits for STARTFILE when given, then
 * makes malloc+free pairs for SECONDS and prints the mean ns per pair.
 * `mallocer -d DELAY_S N SIZE HOLD_S` sleeps DELAY_S seconds from its start,
 * then makes exactly N malloc(SIZE) calls and N frees, and nothing else
 * that allocates, and stays alive HOLD_S seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void nap(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

/* The -d mode: the block array is allocated before the delay, and nothing
 * is printed, so the burst's calls are the only ones after it. */
static int delayed_burst(double delay_s, long n, size_t size, double hold_s)
{
	void *(*volatile do_malloc)(size_t) = malloc;
	void (*volatile do_free)(void *) = free;
	void **blocks = calloc((size_t)n, sizeof(*blocks));

	if (!blocks) {
		perror("mallocer: calloc");
		return 1;
	}
	nap(delay_s);
	for (long i = 0; i < n; i++)
		blocks[i] = do_malloc(size);
	for (long i = 0; i < n; i++)
		do_free(blocks[i]);
	nap(hold_s);
	free(blocks);
	return 0;
}

int main(int argc, char **argv)
{
	/* Through volatile pointers so the compiler keeps every call. */
	void *(*volatile do_malloc)(size_t) = malloc;
	void (*volatile do_free)(void *) = free;
	long n;
	size_t size;
	double t0;

	if (argc >= 4 && !strcmp(argv[1], "-b")) {
		double end;

		size = (size_t)atol(argv[3]);
		while (argc > 4 && access(argv[4], F_OK))
			nap(0.01);
		t0 = now_ns();
		end = t0 + atof(argv[2]) * 1e9;
		for (n = 0; n % 1024 || now_ns() < end; n++)
			do_free(do_malloc(size));
		printf("%.1f\n", (now_ns() - t0) / n);
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "-d"))
		return delayed_burst(atof(argv[2]), atol(argv[3]), (size_t)atol(argv[4]),
				     atof(argv[5]));
	if (argc < 4) {
		fprintf(stderr, "usage: mallocer N SIZE STARTFILE [HOLD_S] | mallocer -b SECONDS "
				"SIZE [STARTFILE] | mallocer -d DELAY_S N SIZE HOLD_S\n");
		return 2;
	}
	n = atol(argv[1]);
	size = (size_t)atol(argv[2]);
	void **blocks = calloc((size_t)n, sizeof(*blocks));

	if (!blocks) {
		perror("mallocer: calloc");
		return 1;
	}
	while (access(argv[3], F_OK))
		nap(0.01);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		blocks[i] = do_malloc(size);
	for (long i = 0; i < n; i++)
		do_free(blocks[i]);
	printf("%.1f\n", (now_ns() - t0) / n);
	fflush(stdout);
	if (argc > 4)
		nap(atof(argv[4]));
	free(blocks);
	return 0;
}
