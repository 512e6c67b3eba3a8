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

/*
 * The same least-squares line kept as running sums, so two windows' fits
 * merge in O(1) without keeping their points: a report of many intervals
 * fits one point per interval. Times are seconds from the first point and
 * values relative to the first value, which keeps the squares precise.
 */
struct trend_fit {
	uint64_t t0_ns; /* time of the first point: the origin */
	double y0;	/* its value */
	uint64_t t_min_ns, t_max_ns;
	uint32_t n;
	double sx, sy, sxx, sxy, syy;
};

void trend_fit_add(struct trend_fit *f, uint64_t t_ns, double value);
void trend_fit_merge(struct trend_fit *dst, const struct trend_fit *src);
/* Slope per second, r² (1: every point on the line) and the seconds the
 * points span; false with fewer than 3 points or all at one time. */
struct trend_line {
	double per_s, r2, span_s;
};
bool trend_fit_line(const struct trend_fit *f, struct trend_line *out);

#endif
