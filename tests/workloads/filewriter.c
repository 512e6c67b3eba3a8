// SPDX-License-Identifier: GPL-2.0
/*
 * Fills the page cache: `filewriter PATH MIB [DELAY_S]` waits DELAY_S, then
 * writes MIB mebibytes to PATH in 1 MiB writes. Run in a memory cgroup
 * with a lower limit, its writes must wait for reclaim of its own cache.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char chunk[1 << 20];
	long mib;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: filewriter PATH MIB [DELAY_S]\n");
		return 2;
	}
	mib = atol(argv[2]);
	if (argc > 3) {
		double s = atof(argv[3]);
		struct timespec ts = {.tv_sec = (time_t)s,
				      .tv_nsec = (long)((s - (time_t)s) * 1e9)};

		nanosleep(&ts, NULL);
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("filewriter: open");
		return 1;
	}
	memset(chunk, 1, sizeof(chunk));
	for (long i = 0; i < mib; i++)
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk)) {
			perror("filewriter: write");
			return 1;
		}
	close(fd);
	return 0;
}
