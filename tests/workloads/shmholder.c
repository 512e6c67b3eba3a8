// SPDX-License-Identifier: GPL-2.0
/*
 * Holds known amounts of shared and private memory, the way a database
 * backend holds shared buffers: `shmholder SHARED_MB PRIVATE_MB HOLD_S`
 * maps SHARED_MB of shared anonymous memory (shmem) and PRIVATE_MB of
 * private anonymous memory, touches every page of both, prints "ready" and
 * holds them for HOLD_S seconds, waking every 100 ms (so a tracer sees it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static char *touched(size_t bytes, int flags)
{
	long page = sysconf(_SC_PAGESIZE);
	char *mem;

	if (!bytes)
		return NULL;
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED) {
		perror("shmholder: mmap");
		exit(1);
	}
	for (size_t i = 0; i < bytes; i += (size_t)page)
		mem[i] = 1;
	return mem;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: shmholder SHARED_MB PRIVATE_MB HOLD_S\n");
		return 2;
	}
	touched((size_t)atol(argv[1]) << 20, MAP_SHARED);
	touched((size_t)atol(argv[2]) << 20, MAP_PRIVATE);
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < atoi(argv[3]) * 10; i++)
		usleep(100000);
	return 0;
}
