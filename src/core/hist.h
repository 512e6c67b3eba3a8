/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace latency histogram: a sparse, sorted list of the log-linear
 * buckets of bpf/hist.h that hold samples, plus exact count/sum/max.
 * Sparse because a process touches ~10-40 buckets of the 608, and a host has
 * thousands of (process, syscall) series.
 */
#ifndef HIVEMON_SRC_HIST_H
#define HIVEMON_SRC_HIST_H

#include <stdint.h>

struct hist_bin {
	uint32_t slot;
	uint64_t count;
};

struct hist {
	struct hist_bin *bins; /* sorted by slot, owned */
	uint32_t n, cap;
	uint64_t count;	 /* samples (weighted when sampled) */
	uint64_t sum_ns; /* sum of sample values */
	uint64_t max_ns; /* largest sample seen, exact */
	uint64_t min_ns; /* smallest sample seen, 0 = unknown */
};

void hist_init(struct hist *h);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);
/* Adds @count samples to bucket @slot; returns -ENOMEM on failure. */
int hist_add_slot(struct hist *h, uint32_t slot, uint64_t count);
/* Adds one sample of @value_ns (updates count, sum and max too). */
int hist_record(struct hist *h, uint64_t value_ns);
int hist_merge(struct hist *dst, const struct hist *src);
/* Multiplies the samples by @factor (> 0), each bucket rounded: a count
 * estimated from a share of the events, scaled to all of them. */
void hist_scale(struct hist *h, double factor);
/* @n * @factor, rounded: the same scaling for a plain counter. */
uint64_t scale_count(uint64_t n, double factor);
int hist_copy(struct hist *dst, const struct hist *src);
/* Value at quantile @q in [0,1], midpoint of its bucket clamped to
 * [min, max] (min when known). */
uint64_t hist_quantile(const struct hist *h, double q);
uint64_t hist_mean(const struct hist *h);
/*
 * Sets the window's max and min of @h from a kernel record's all-time
 * extremes, now and at the last read (0: unknown): exact when they moved
 * during the window, otherwise bounded by the buckets the window filled.
 */
void hist_window_extremes(struct hist *h, uint64_t max_now, uint64_t max_before, uint64_t min_now,
			  uint64_t min_before);

/*
 * The kernel's bucket layout (bpf/hist.h), for consumers that render
 * buckets: HIST_NSLOTS buckets, 16 to an octave (power of two).
 */
#define HIST_NSLOTS  608
#define HIST_OCTAVES (HIST_NSLOTS / 16)
uint32_t hist_slot_of(uint64_t value_ns);
uint64_t hist_slot_highest(uint32_t slot); /* largest value in bucket @slot */
uint32_t hist_slot_octave(uint32_t slot);
uint64_t hist_octave_lowest(uint32_t octave); /* smallest value in @octave */

#endif
