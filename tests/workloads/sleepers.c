// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth for `hivemon top`: COUNT processes named NAME, each calling
 * clock_nanosleep(MS milliseconds) in a loop forever, so each shows about
 * 1000/MS syscalls per second with a p99 of MS. With COUNT 1 the process
 * itself sleeps (no parent row); otherwise the parent waits and, on SIGTERM,
 * takes its children down with it.
 * With ITERATIONS and STATSFILE (COUNT 1) it sleeps ITERATIONS times, then
 * writes the exact "count p50 p99 max" of its sleeps (nanoseconds, nearest
 * rank) to STATSFILE and exits: the ground truth a percentile is held to.
 * usage: sleepers COUNT MS NAME [ITERATIONS STATSFILE]
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_forever(long ms, const char *name)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	prctl(PR_SET_NAME, name);
	for (;;)
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least q of them at or below. */
static uint64_t rank(const uint64_t *sorted, long n, double q)
{
	long r = (long)ceil(q * (double)n);

	return sorted[r < 1 ? 0 : r - 1];
}

static int sleep_counted(long ms, const char *name, long iterations, const char *stats)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	uint64_t *lat = calloc((size_t)iterations, sizeof(*lat));
	FILE *out;

	if (!lat)
		return 1;
	prctl(PR_SET_NAME, name);
	for (long i = 0; i < iterations; i++) {
		uint64_t t0 = mono_ns();

		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		lat[i] = mono_ns() - t0;
	}
	qsort(lat, (size_t)iterations, sizeof(*lat), cmp_u64);
	out = fopen(stats, "w");
	if (!out)
		return 1;
	fprintf(out, "%ld %llu %llu %llu\n", iterations,
		(unsigned long long)rank(lat, iterations, 0.5),
		(unsigned long long)rank(lat, iterations, 0.99),
		(unsigned long long)lat[iterations - 1]);
	free(lat);
	return fclose(out) ? 1 : 0;
}

int main(int argc, char **argv)
{
	long count, ms, n = 0;
	pid_t *kids;
	sigset_t term;
	int sig;

	if ((argc != 4 && argc != 6) || (count = atol(argv[1])) < 1 || (ms = atol(argv[2])) < 1 ||
	    (argc == 6 && (count != 1 || atol(argv[4]) < 1))) {
		fprintf(stderr, "usage: sleepers COUNT MS NAME [ITERATIONS STATSFILE]\n");
		return 2;
	}
	if (argc == 6)
		return sleep_counted(ms, argv[3], atol(argv[4]), argv[5]);
	if (count == 1)
		sleep_forever(ms, argv[3]);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, NULL);
	kids = calloc((size_t)count, sizeof(*kids));
	if (!kids)
		return 1;
	for (long i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			break;
		}
		if (pid == 0) {
			sigprocmask(SIG_UNBLOCK, &term, NULL);
			prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent */
			if (getppid() == 1)
				_exit(0);
			sleep_forever(ms, argv[3]);
		}
		kids[n++] = pid;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&term, &sig);
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(kids);
	return 0;
}
