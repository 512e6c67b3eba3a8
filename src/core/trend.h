/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A series' recent values and where they are heading: the least-squares
 * line through the last TREND_SAMPLES (time, value) points, extrapolated
 * like Prometheus' predict_linear. Alert rules with `predict` judge the
 * value predicted that far ahead; a leak reaches its threshold in the
 * prediction long before it does in RSS.
 */
#ifndef HIVEMON_CORE_TREND_H
#define HIVEMON_CORE_TREND_H

#include <stdbool.h>
#include <stdint.h>

#define TREND_SAMPLES 64 /* one a window: the last minute at 1 s */
#define TREND_MIN     8	 /* fewer points predict nothing */

struct trend {
	uint64_t t_ns[TREND_SAMPLES];
	double value[TREND_SAMPLES];
	unsigned int n, next; /* ring */
};

void trend_add(struct trend *tr, uint64_t t_ns, double value);
/* The fitted line's value at @at_ns, and its slope per second; false while
 * fewer than TREND_MIN points are in, or all at one time. */
bool trend_predict(const struct trend *tr, uint64_t at_ns, double *value, double *per_s);

#endif
