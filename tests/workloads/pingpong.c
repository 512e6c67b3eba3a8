// SPDX-License-Identifier: GPL-2.0
/*
 * Context-switch-heavy load: two processes pinned to one CPU bounce a byte
 * through two pipes. `pingpong ROUNDTRIPS [CPU]` prints the mean wall time
 * and the mean CPU time (both processes, user + system) of a round trip in
 * ns (each round trip is two wakeups and two switches). CPU time is what
 * tracing adds to the load itself; unlike wall time it does not grow when
 * other work on the host takes turns on the CPU.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("pingpong: sched_setaffinity");
		exit(1);
	}
}

static void bounce(int in, int out, long rounds, int first)
{
	char c = 0;

	for (long i = 0; i < rounds; i++) {
		if (first && write(out, &c, 1) != 1)
			exit(1);
		if (read(in, &c, 1) != 1)
			exit(1);
		if (!first && write(out, &c, 1) != 1)
			exit(1);
	}
}

int main(int argc, char **argv)
{
	int ping[2], pong[2], status;
	struct timespec t0, t1, c0, c1;
	struct rusage child_use;
	double wall, cpu;
	long rounds;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: pingpong ROUNDTRIPS [CPU]\n");
		return 2;
	}
	rounds = atol(argv[1]);
	pin(argc > 2 ? atoi(argv[2]) : 0);
	if (pipe(ping) || pipe(pong)) {
		perror("pingpong: pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0) {
		bounce(ping[0], pong[1], rounds, 0);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	bounce(pong[0], ping[1], rounds, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	waitpid(child, &status, 0);
	getrusage(RUSAGE_CHILDREN, &child_use);
	wall = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	cpu = (c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec);
	cpu += (child_use.ru_utime.tv_sec + child_use.ru_stime.tv_sec) * 1e9 +
	       (child_use.ru_utime.tv_usec + child_use.ru_stime.tv_usec) * 1e3;
	printf("%.0f %.0f\n", wall / rounds, cpu / rounds);
	return 0;
}
