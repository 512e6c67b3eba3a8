// SPDX-License-Identifier: GPL-2.0
/*
 * N live processes that each make a few syscalls every INTERVAL ms for
 * SECONDS, so a tracer has N processes to keep. Prints "ready" once all are
 * forked. SIGINT/SIGTERM to the parent kills and reaps every child; the
 * children also die with the parent (PR_SET_PDEATHSIG) if it is killed.
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
	struct timespec gap = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
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

static void forget_kid(pid_t *kids, int n, pid_t done)
{
	for (int i = 0; i < n; i++)
		if (kids[i] == done)
			kids[i] = 0;
}

static void on_stop(int sig)
{
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop};
	int n, seconds, interval_ms;
	pid_t self = getpid(), *kids;

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
	kids = calloc(n, sizeof(*kids));
	if (!kids)
		return 1;
	/* No SA_RESTART: a stop signal interrupts wait() below. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("proc_swarm: fork");
			n = i;
			break;
		}
		if (kids[i] == 0)
			child(self, seconds, interval_ms);
	}
	printf("ready\n");
	fflush(stdout);
	for (pid_t done; (done = wait(NULL)) > 0;)
		forget_kid(kids, n, done);
	/* Only children not reaped yet: a reaped PID may belong to another process by now. */
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	return 0;
}
