// SPDX-License-Identifier: GPL-2.0
/*
 * N live processes that each make a few syscalls every INTERVAL ms for
 * SECONDS, so a tracer has N processes to keep. Prints "ready" once all are
 * forked. Children die with the parent (PR_SET_PDEATHSIG), so killing the
 * parent's PID stops the whole swarm.
 * Usage: proc_swarm N SECONDS [INTERVAL_MS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(pid_t parent, int seconds, int interval_ms)
{
	struct timespec gap = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
	time_t end = time(NULL) + seconds;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* the parent died before prctl */
		_exit(0);
	while (time(NULL) < end) {
		getppid();
		nanosleep(&gap, NULL);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	int n, seconds, interval_ms;
	pid_t self = getpid();

	if (argc < 3) {
		fprintf(stderr, "usage: proc_swarm N SECONDS [INTERVAL_MS]\n");
		return 2;
	}
	n = atoi(argv[1]);
	seconds = atoi(argv[2]);
	interval_ms = argc > 3 ? atoi(argv[3]) : 100;
	if (n <= 0 || n > 10000 || seconds <= 0 || seconds > 3600 || interval_ms <= 0) {
		fprintf(stderr, "proc_swarm: N in 1..10000, SECONDS in 1..3600, INTERVAL_MS > 0\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("proc_swarm: fork");
			return 1;
		}
		if (pid == 0)
			child(self, seconds, interval_ms);
	}
	printf("ready\n");
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}
