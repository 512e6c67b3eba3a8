// SPDX-License-Identifier: GPL-2.0
/* Which malloc implementation a process really uses, found in its mappings. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/allocator_lib.h"

/* Best first: an interposing allocator wins over the C library's malloc. */
static const char *const allocators[] = {"libjemalloc.so", "libtcmalloc", "libc.so.6", "libc-"};
#define N_ALLOCATORS (sizeof(allocators) / sizeof(allocators[0]))

static int rank_of(const char *file)
{
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	for (size_t i = 0; i < N_ALLOCATORS; i++)
		if (!strncmp(base, allocators[i], strlen(allocators[i])) && strstr(base, ".so"))
			return (int)i;
	return -1;
}

int allocator_lib_of(uint32_t pid, char *path, size_t len)
{
	char maps[64], line[PATH_MAX + 128], best[PATH_MAX] = "";
	int best_rank = (int)N_ALLOCATORS;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%" PRIu32 "/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');
		int rank;

		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		rank = rank_of(file);
		if (rank >= 0 && rank < best_rank) {
			best_rank = rank;
			snprintf(best, sizeof(best), "%s", file);
		}
	}
	fclose(f);
	if (!best[0])
		return -ENOENT;
	snprintf(path, len, "/proc/%" PRIu32 "/root%s", pid, best);
	return 0;
}
