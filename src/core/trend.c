// SPDX-License-Identifier: GPL-2.0
/* Least-squares trend of a series over its last points. */
#include "core/trend.h"

void trend_add(struct trend *tr, uint64_t t_ns, double value)
{
	tr->t_ns[tr->next] = t_ns;
	tr->value[tr->next] = value;
	tr->next = (tr->next + 1) % TREND_SAMPLES;
	if (tr->n < TREND_SAMPLES)
		tr->n++;
}

bool trend_predict(const struct trend *tr, uint64_t at_ns, double *value, double *per_s)
{
	/* Times relative to the newest point, in seconds: no precision lost
	 * to nanoseconds since the epoch in the squares. */
	uint64_t origin = tr->t_ns[(tr->next + TREND_SAMPLES - 1) % TREND_SAMPLES];
	double sx = 0, sy = 0, sxx = 0, sxy = 0, n = tr->n, slope, denom;

	if (tr->n < TREND_MIN)
		return false;
	for (unsigned int i = 0; i < tr->n; i++) {
		double x = ((double)tr->t_ns[i] - (double)origin) / 1e9;

		sx += x;
		sy += tr->value[i];
		sxx += x * x;
		sxy += x * tr->value[i];
	}
	denom = n * sxx - sx * sx;
	if (denom <= 0)
		return false;
	slope = (n * sxy - sx * sy) / denom;
	*value = (sy - slope * sx) / n + slope * (((double)at_ns - (double)origin) / 1e9);
	*per_s = slope;
	return true;
}
