// SPDX-License-Identifier: GPL-2.0
/*
 * Touches fresh memory: `pagetoucher PAGES [DELAY_S [HOLD_S]]` waits DELAY_S,
 * writes one byte into each of PAGES fresh anonymous pages (huge pages off,
 * so exactly one page fault per page), prints the mean wall and CPU ns per
 * page, then keeps the memory resident for HOLD_S seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE), pages;
	struct timespec t0, t1, c0, c1;
	char *mem;

	if (argc < 2) {
		fprintf(stderr, "usage: pagetoucher PAGES [DELAY_S [HOLD_S]]\n");
		return 2;
	}
	pages = atol(argv[1]);
	mem = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("pagetoucher: mmap");
		return 1;
	}
	if (madvise(mem, pages * page, MADV_NOHUGEPAGE))
		perror("pagetoucher: madvise");
	if (argc > 2)
		sleep_s(atof(argv[2]));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (long i = 0; i < pages; i++)
		((volatile char *)mem)[i * page] = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	printf("%.0f %.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / pages,
	       ((c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec)) / pages);
	fflush(stdout);
	if (argc > 3)
		sleep_s(atof(argv[3]));
	return 0;
}
