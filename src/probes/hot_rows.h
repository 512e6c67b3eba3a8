/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How many hot rows (bpf/hivemon.h) a probe gives its BPF programs: each
 * row is one value per possible CPU, so hosts with many CPUs get fewer.
 */
#ifndef HIVEMON_HOT_ROWS_H
#define HIVEMON_HOT_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* All of a probe's hot rows together, over all CPUs. */
#define HOT_ROWS_BUDGET (8u << 20)

/* A power of two from 4 to @max (a power of two) whose rows of @row_size
 * bytes per CPU fit HOT_ROWS_BUDGET on @ncpus CPUs. */
static inline uint32_t hot_rows_for(uint32_t max, size_t row_size, int ncpus)
{
	uint32_t n = max;

	while (n > 4 && (uint64_t)n * row_size * (uint64_t)ncpus > HOT_ROWS_BUDGET)
		n /= 2;
	return n;
}

#endif
