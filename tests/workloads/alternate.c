// SPDX-License-Identifier: GPL-2.0
/*
 * `alternate N`: N pairs of read(/dev/zero, 1 byte) and write(/dev/null,
 * 1 byte) in strict alternation, a loop whose period (2) divides any fixed
 * sampling stride. Both calls cost about the same, so a sampler that is
 * unbiased gives them about the same estimated time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	int in = open("/dev/zero", O_RDONLY), out = open("/dev/null", O_WRONLY);
	char c;

	if (n <= 0 || in < 0 || out < 0) {
		fprintf(stderr, "usage: alternate N\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			return 1;
	}
	return 0;
}
