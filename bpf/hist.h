/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear latency histogram bucket math, shared by BPF programs and
 * userspace so both agree on what a bucket index means.
 *
 * Values below 16 get one bucket each; above, every power of two is split
 * into 16 linear sub-buckets. A bucket's midpoint is then within 1/32
 * (3.1 %) of any value in it, which keeps reported percentiles inside the
 * 5 % the report contract promises. Values from 2^(HIST_MAX_LOG + 1) ns
 * (~36 min) up land in the last bucket too.
 */
#ifndef HIVEMON_HIST_H
#define HIVEMON_HIST_H

#define HIST_SUB_BITS 4
#define HIST_SUB      (1 << HIST_SUB_BITS)
#define HIST_MAX_LOG  40
#define HIST_SLOTS    ((HIST_MAX_LOG - HIST_SUB_BITS + 2) * HIST_SUB)

/*
 * floor(log2(v)) for v > 0 without __builtin_clzll, which clang 14 cannot
 * lower for the BPF target. Branchless so the verifier sees one path.
 */
static inline unsigned int hist_log2(unsigned long long v)
{
	unsigned int r, shift;

	r = (v > 0xFFFFFFFFULL) << 5;
	v >>= r;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static inline unsigned int hist_slot(unsigned long long v)
{
	unsigned int lg;

	if (v < HIST_SUB)
		return (unsigned int)v;
	if (v >= (1ULL << (HIST_MAX_LOG + 1)))
		return HIST_SLOTS - 1;
	lg = hist_log2(v);
	return (lg - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned int)((v >> (lg - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* Smallest value that maps to @slot. */
static inline unsigned long long hist_slot_low(unsigned int slot)
{
	unsigned int group = slot / HIST_SUB, sub = slot % HIST_SUB;

	if (group == 0)
		return slot;
	return (unsigned long long)(HIST_SUB + sub) << (group - 1);
}

/* Number of distinct values that map to @slot. */
static inline unsigned long long hist_slot_width(unsigned int slot)
{
	unsigned int group = slot / HIST_SUB;

	return group == 0 ? 1 : 1ULL << (group - 1);
}

/* Largest value that maps to @slot. */
static inline unsigned long long hist_slot_high(unsigned int slot)
{
	return hist_slot_low(slot) + hist_slot_width(slot) - 1;
}

#endif /* HIVEMON_HIST_H */
