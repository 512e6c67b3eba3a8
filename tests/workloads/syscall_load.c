// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall workloads with known behaviour, the ground truth of the syscall
 * tests and benchmarks:
 *   sleep N MS        N clock_nanosleep calls of MS milliseconds
 *   fail N            N kill() calls that fail with ESRCH
 *   getppid N         N getppid calls in a tight loop; prints ns per call
 *   mixed N K MS      N getppid calls with an MS ms sleep after every K
 *   threads T N MS    T threads, each N sleeps of MS ms
 *   tmixed T N K MS   T threads, each as mixed N K MS: a busy process
 *                     whose every thread alone is slow
 * With a trailing "wait", it first blocks until a line arrives on stdin,
 * so a test can start tracing before the calls begin. The sleeping modes
 * print "sleep p50_ns P total_ns T": what the sleeps really took, measured
 * around each call, since a loaded machine wakes sleepers late.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Durations of the sleeps of the main thread, for the ground truth. */
struct sleep_log {
	double *took;
	long n, cap;
};

static void sleep_ms(long ms, struct sleep_log *log)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	double t0 = now_s();

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	if (log && log->n < log->cap)
		log->took[log->n++] = now_s() - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_sleep_log(struct sleep_log *log)
{
	double total = 0;

	if (!log->n)
		return;
	for (long i = 0; i < log->n; i++)
		total += log->took[i];
	qsort(log->took, log->n, sizeof(double), by_value);
	/* Nearest rank, as hivemon's percentiles. */
	printf("sleep p50_ns %.0f total_ns %.0f\n", log->took[(log->n + 1) / 2 - 1] * 1e9,
	       total * 1e9);
}

static void mixed(long n, long every, long ms, struct sleep_log *log)
{
	for (long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		if (every && (i + 1) % every == 0)
			sleep_ms(ms, log);
	}
}

/* A thread's loop: N sleeps of MS ms, or mixed N K MS when K > 0. */
struct sleeper {
	long n, every, ms;
};

static void *sleeper_thread(void *arg)
{
	struct sleeper *s = arg;

	if (s->every)
		mixed(s->n, s->every, s->ms, NULL);
	else
		for (long i = 0; i < s->n; i++)
			sleep_ms(s->ms, NULL);
	return NULL;
}

static int run_threads(long threads, struct sleeper s)
{
	pthread_t tids[64];

	if (threads < 1 || threads > 64)
		return 2;
	for (long i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, sleeper_thread, &s);
	for (long i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
	long c = argc > 4 ? atol(argv[4]) : 0, d = argc > 5 ? atol(argv[5]) : 0;
	char line[16];
	double t0;
	struct sleep_log log = {calloc(100000, sizeof(double)), 0, 100000};

	if (!strcmp(argv[argc - 1], "wait") && !fgets(line, sizeof(line), stdin))
		return 1;
	if (!strcmp(mode, "sleep")) {
		for (long i = 0; i < a; i++)
			sleep_ms(b, &log);
	} else if (!strcmp(mode, "fail")) {
		for (long i = 0; i < a; i++)
			syscall(SYS_kill, 0x3ffffff0, 0);
	} else if (!strcmp(mode, "getppid")) {
		t0 = now_s();
		for (long i = 0; i < a; i++)
			syscall(SYS_getppid);
		printf("%.1f\n", (now_s() - t0) * 1e9 / (a ? a : 1));
	} else if (!strcmp(mode, "mixed")) {
		mixed(a, b, c, &log);
	} else if (!strcmp(mode, "threads")) {
		return run_threads(a, (struct sleeper){b, 0, c});
	} else if (!strcmp(mode, "tmixed")) {
		return c > 0 ? run_threads(a, (struct sleeper){b, c, d}) : 2;
	} else {
		fprintf(stderr, "usage: syscall_load sleep N MS | fail N | getppid N | "
				"mixed N K MS | threads T N MS | tmixed T N K MS [wait]\n");
		return 2;
	}
	print_sleep_log(&log);
	free(log.took);
	return 0;
}
