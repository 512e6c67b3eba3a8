// SPDX-License-Identifier: GPL-2.0
/*
 * `spin_after N FILE [SLEEP_MS]`: the main thread makes N getppid calls (or
 * N sleeps of SLEEP_MS), then spins on the CPU without another syscall
 * until killed, so whatever it batched is still held by the thread. A
 * second thread waits for the calls to end and then creates FILE (its
 * syscalls are its own), telling a test when to read.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int calls_done;

static void *announce(void *path)
{
	int fd;

	/* poll, not a sleep: the main thread's sleeps are what is measured. */
	while (!atomic_load(&calls_done))
		poll(NULL, 0, 10);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[1]) : 0;
	long sleep_ms = argc > 3 ? atol(argv[3]) : 0;
	struct timespec nap = {sleep_ms / 1000, sleep_ms % 1000 * 1000000};
	pthread_t t;

	if (n <= 0 || sleep_ms < 0) {
		fprintf(stderr, "usage: spin_after N FILE [SLEEP_MS]\n");
		return 2;
	}
	if (pthread_create(&t, NULL, announce, argv[2]))
		return 1;
	for (long i = 0; i < n; i++)
		if (sleep_ms)
			nanosleep(&nap, NULL);
		else
			syscall(SYS_getppid);
	atomic_store(&calls_done, 1);
	for (;;)
		;
}
