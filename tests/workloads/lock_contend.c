// SPDX-License-Identifier: GPL-2.0
/*
 * Lock contention with a known shape: `lock_contend THREADS HOLD_US SECONDS`
 * starts THREADS threads that each loop on: lock one shared mutex, spin
 * HOLD_US on the CPU while holding it, unlock. Nothing is done outside the
 * lock, so at any time one thread works and the others wait for it: with 4
 * threads about 3/4 of the threads' time is spent waiting in futex.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double hold_s, end_s;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	while (now() < end_s) {
		pthread_mutex_lock(&lock);
		for (double stop = now() + hold_s; now() < stop;)
			;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t tids[64];
	int n;

	if (argc != 4)
		return 2;
	n = atoi(argv[1]);
	if (n < 1 || n > 64)
		return 2;
	hold_s = atof(argv[2]) / 1e6;
	end_s = now() + atof(argv[3]);
	for (int i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
