// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall workloads with known behaviour, the ground truth of the syscall
 * tests and benchmarks:
 *   sleep N MS        N clock_nanosleep calls of MS milliseconds
 *   fail N            N kill() calls that fail with ESRCH
 *   getppid N         N getppid calls in a tight loop; prints ns per call
 *   mixed N K MS      N getppid calls with an MS ms sleep after every K
 *   threads T N MS    T threads, each N sleeps of MS ms
 * With a trailing "wait", it first blocks until a line arrives on stdin,
 * so a test can start tracing before the calls begin.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct sleeper {
	long n, ms;
};

static void *sleeper_thread(void *arg)
{
	struct sleeper *s = arg;

	for (long i = 0; i < s->n; i++)
		sleep_ms(s->ms);
	return NULL;
}

static int run_threads(long threads, long n, long ms)
{
	pthread_t tids[64];
	struct sleeper s = {n, ms};

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
	long c = argc > 4 ? atol(argv[4]) : 0;
	char line[16];
	double t0;

	if (!strcmp(argv[argc - 1], "wait") && !fgets(line, sizeof(line), stdin))
		return 1;
	if (!strcmp(mode, "sleep")) {
		for (long i = 0; i < a; i++)
			sleep_ms(b);
	} else if (!strcmp(mode, "fail")) {
		for (long i = 0; i < a; i++)
			syscall(SYS_kill, 0x3ffffff0, 0);
	} else if (!strcmp(mode, "getppid")) {
		t0 = now_s();
		for (long i = 0; i < a; i++)
			syscall(SYS_getppid);
		printf("%.1f\n", (now_s() - t0) * 1e9 / (a ? a : 1));
	} else if (!strcmp(mode, "mixed")) {
		for (long i = 0; i < a; i++) {
			syscall(SYS_getppid);
			if (b && (i + 1) % b == 0)
				sleep_ms(c);
		}
	} else if (!strcmp(mode, "threads")) {
		return run_threads(a, b, c);
	} else {
		fprintf(stderr, "usage: syscall_load sleep N MS | fail N | getppid N | "
				"mixed N K MS | threads T N MS [wait]\n");
		return 2;
	}
	return 0;
}
