// SPDX-License-Identifier: GPL-2.0
/* Durations and sizes for people: a ladder of units per quantity and style. */
#include <stdbool.h>
#include <stdio.h>

#include "util/units.h"

enum digits {
	WHOLE, /* "%.0f": the base unit (ns, B) */
	FIX1,  /* "%.1f" */
	FIX2,  /* "%.2f" */
	G3,    /* "%.3g": up to three significant digits, no trailing zeros */
	SIG3,  /* three significant digits, trailing zeros kept */
};

struct ladder {
	double base; /* 1000 or 1024 */
	/* Go up a unit once the value would round to @base in the one below
	 * (three significant digits), rather than once it reaches it. */
	bool round_up;
	const char *zero; /* text for 0; NULL: formatted like any value */
	size_t n;
	struct {
		const char *suffix;
		enum digits digits;
	} step[6];
};

static const struct ladder time_ladders[] = {
	[UNITS_REPORT] =
		{1000, false, NULL, 4, {{"ns", WHOLE}, {"us", FIX1}, {"ms", FIX1}, {"s", FIX2}}},
	[UNITS_TOP] =
		{1000, true, "-", 4, {{"ns", WHOLE}, {"µs", SIG3}, {"ms", SIG3}, {"s", SIG3}}},
	[UNITS_METRIC] = {1000, false, NULL, 4, {{"ns", WHOLE}, {"us", G3}, {"ms", G3}, {"s", G3}}},
};

static const struct ladder byte_ladders[] = {
	[UNITS_REPORT] =
		{1024,
		 false,
		 NULL,
		 6,
		 {{"B", WHOLE}, {"K", FIX1}, {"M", FIX1}, {"G", FIX1}, {"T", FIX1}, {"P", FIX1}}},
	[UNITS_TOP] = {1024, true, "-", 4, {{"B", WHOLE}, {"K", SIG3}, {"M", SIG3}, {"G", SIG3}}},
	[UNITS_METRIC] =
		{1024, false, NULL, 4, {{"B", WHOLE}, {"KB", FIX1}, {"MB", FIX1}, {"GB", FIX1}}},
};

char *units_sig3(double v, const char *unit, char *buf, size_t len)
{
	if (v < 9.995)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
	return buf;
}

static char *ladder_format(const struct ladder *l, double v, char *buf, size_t len)
{
	double scale = 1, promote = l->round_up ? l->base - 0.5 : l->base;
	size_t i = 0;
	const char *suffix;

	if (!v && l->zero) {
		snprintf(buf, len, "%s", l->zero);
		return buf;
	}
	while (i + 1 < l->n && v >= promote * scale) {
		scale *= l->base;
		i++;
	}
	suffix = l->step[i].suffix;
	switch (l->step[i].digits) {
	case WHOLE:
		snprintf(buf, len, "%.0f%s", v, suffix);
		break;
	case FIX1:
		snprintf(buf, len, "%.1f%s", v / scale, suffix);
		break;
	case FIX2:
		snprintf(buf, len, "%.2f%s", v / scale, suffix);
		break;
	case G3:
		snprintf(buf, len, "%.3g%s", v / scale, suffix);
		break;
	case SIG3:
		units_sig3(v / scale, suffix, buf, len);
		break;
	}
	return buf;
}

char *units_ns(double ns, enum units_style style, char *buf, size_t len)
{
	return ladder_format(&time_ladders[style], ns, buf, len);
}

char *units_bytes(double bytes, enum units_style style, char *buf, size_t len)
{
	return ladder_format(&byte_ladders[style], bytes, buf, len);
}

char *format_ns(uint64_t ns, char *buf, size_t len)
{
	return units_ns((double)ns, UNITS_REPORT, buf, len);
}

char *format_bytes(uint64_t bytes, char *buf, size_t len)
{
	return units_bytes((double)bytes, UNITS_REPORT, buf, len);
}
