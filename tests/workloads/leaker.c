// SPDX-License-Identifier: GPL-2.0
/*
 * Leaks memory at a known rate: `leaker KB_PER_S SECONDS` allocates and
 * touches KB_PER_S/10 KiB of private memory every 100 ms, never frees it,
 * and exits after SECONDS. A memory trend has a known slope to find.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long step, ticks;

	if (argc != 3)
		return 2;
	step = atol(argv[1]) * 1024 / 10;
	ticks = atol(argv[2]) * 10;
	for (long i = 0; i < ticks; i++) {
		char *leak = malloc((size_t)step);

		if (!leak)
			return 1;
		memset(leak, 1, (size_t)step);
		usleep(100000);
	}
	return 0;
}
