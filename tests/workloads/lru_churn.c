// SPDX-License-Identifier: GPL-2.0
/*
 * Evicts a process's records from a tracer's small LRU maps, then lets it
 * create them again from zero. `lru_churn FILE N`:
 *   1. makes getppid calls at full speed (checking for FILE every 10,000)
 *      until FILE exists: its getppid record grows large;
 *   2. forks N children that each make six different syscalls, 50 rounds
 *      1 ms apart, and waits for them: far more records than a small map
 *      holds, so the parent's (now idle) records are evicted;
 *   3. makes 10 getppid calls (a new record, below the old one), prints
 *      "done" and sleeps 2 s before exiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void churn(void)
{
	static const long calls[] = {SYS_getppid, SYS_getpid,  SYS_getuid,
				     SYS_getgid,  SYS_geteuid, SYS_getegid};
	struct timespec ms = {0, 1000000};

	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			syscall(calls[i]);
		nanosleep(&ms, NULL);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	struct timespec rest = {2, 0};
	struct stat st;
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (n <= 0) {
		fprintf(stderr, "usage: lru_churn FILE N\n");
		return 2;
	}
	do {
		for (int i = 0; i < 10000; i++)
			syscall(SYS_getppid);
	} while (stat(argv[1], &st));
	for (int i = 0; i < n; i++)
		if (fork() == 0)
			churn();
	while (wait(NULL) > 0)
		;
	for (int i = 0; i < 10; i++)
		syscall(SYS_getppid);
	printf("done\n");
	fflush(stdout);
	nanosleep(&rest, NULL);
	return 0;
}
