/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A service against its own past, for the daemon: each interval's request
 * p99 of a service (its server rows merged) is compared with the median of
 * its previous BASELINE_WINDOWS intervals; BASELINE_FACTOR times that, and
 * at least BASELINE_FLOOR_NS, is a latency-regression finding even under
 * the fixed targets ("p99 45ms is 4.5x its baseline of 10ms"). Judged once
 * BASELINE_MIN intervals are known.
 */
#ifndef HIVEMON_ANALYSIS_BASELINE_H
#define HIVEMON_ANALYSIS_BASELINE_H

#include "analysis/analysis.h"

#define BASELINE_WINDOWS  30
#define BASELINE_MIN	  10
#define BASELINE_FACTOR	  3.0
#define BASELINE_FLOOR_NS (10 * 1000000ULL)

struct baseline;

struct baseline *baseline_new(void);
void baseline_free(struct baseline *b);
/* Adds the latency-regression findings of interval @snap to @out, then
 * records its p99s. 0 or -ENOMEM. */
int baseline_check(struct baseline *b, const struct snapshot *snap,
		   const struct analysis_limits *lim, struct findings *out);

#endif
