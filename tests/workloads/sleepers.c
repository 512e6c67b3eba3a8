// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth for `hivemon top`: COUNT processes named NAME, each calling
 * clock_nanosleep(MS milliseconds) in a loop forever, so each shows about
 * 1000/MS syscalls per second with a p99 of MS. With COUNT 1 the process
 * itself sleeps (no parent row); otherwise the parent waits and, on SIGTERM,
 * takes its children down with it.
 * usage: sleepers COUNT MS NAME
 */
#include <errno.h>
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

int main(int argc, char **argv)
{
	long count, ms, n = 0;
	pid_t *kids;
	sigset_t term;
	int sig;

	if (argc != 4 || (count = atol(argv[1])) < 1 || (ms = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: sleepers COUNT MS NAME\n");
		return 2;
	}
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
