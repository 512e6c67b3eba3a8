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

void trend_fit_add(struct trend_fit *f, uint64_t t_ns, double value)
{
	double x, y;

	if (!f->n) {
		f->t0_ns = f->t_min_ns = f->t_max_ns = t_ns;
		f->y0 = value;
	}
	f->t_min_ns = t_ns < f->t_min_ns ? t_ns : f->t_min_ns;
	f->t_max_ns = t_ns > f->t_max_ns ? t_ns : f->t_max_ns;
	x = ((double)t_ns - (double)f->t0_ns) / 1e9;
	y = value - f->y0;
	f->n++;
	f->sx += x;
	f->sy += y;
	f->sxx += x * x;
	f->sxy += x * y;
	f->syy += y * y;
}

void trend_fit_merge(struct trend_fit *dst, const struct trend_fit *src)
{
	/* @src's sums moved to @dst's origin: x + d, y + e. */
	double d, e, n = src->n;

	if (!src->n)
		return;
	if (!dst->n) {
		*dst = *src;
		return;
	}
	d = ((double)src->t0_ns - (double)dst->t0_ns) / 1e9;
	e = src->y0 - dst->y0;
	dst->t_min_ns = src->t_min_ns < dst->t_min_ns ? src->t_min_ns : dst->t_min_ns;
	dst->t_max_ns = src->t_max_ns > dst->t_max_ns ? src->t_max_ns : dst->t_max_ns;
	dst->n += src->n;
	dst->sxx += src->sxx + 2 * d * src->sx + n * d * d;
	dst->sxy += src->sxy + d * src->sy + e * src->sx + n * d * e;
	dst->syy += src->syy + 2 * e * src->sy + n * e * e;
	dst->sx += src->sx + n * d;
	dst->sy += src->sy + n * e;
}

bool trend_fit_line(const struct trend_fit *f, struct trend_line *out)
{
	double n = f->n, sxx, sxy, syy, mx, my;

	if (f->n < 3)
		return false;
	mx = f->sx / n;
	my = f->sy / n;
	sxx = f->sxx - n * mx * mx;
	sxy = f->sxy - n * mx * my;
	syy = f->syy - n * my * my;
	if (sxx <= 0)
		return false;
	out->per_s = sxy / sxx;
	out->r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 0;
	out->span_s = (double)(f->t_max_ns - f->t_min_ns) / 1e9;
	return true;
}
