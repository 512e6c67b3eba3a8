// SPDX-License-Identifier: GPL-2.0
/* RFC 3339 UTC timestamps: one formatter for every style, and its parser. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/rfc3339.h"

#define NS_PER_S 1000000000ULL

static const struct {
	const char *date;    /* strftime format of the whole seconds */
	unsigned int digits; /* of the fraction */
	const char *zone;
} styles[] = {
	[RFC3339_SECONDS] = {"%Y-%m-%dT%H:%M:%S", 0, "Z"},
	[RFC3339_MILLIS] = {"%Y-%m-%dT%H:%M:%S", 3, "Z"},
	[RFC3339_PG] = {"%Y-%m-%d %H:%M:%S", 6, "+00"},
};

char *rfc3339_format(uint64_t ns, enum rfc3339_style style, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / NS_PER_S);
	unsigned long long frac = ns % NS_PER_S;
	char date[32];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), styles[style].date, &tm);
	if (!styles[style].digits) {
		snprintf(buf, len, "%s%s", date, styles[style].zone);
		return buf;
	}
	for (unsigned int d = styles[style].digits; d < 9; d++)
		frac /= 10;
	snprintf(buf, len, "%s.%0*llu%s", date, (int)styles[style].digits, frac,
		 styles[style].zone);
	return buf;
}

uint64_t rfc3339_parse(const char *text)
{
	struct tm tm = {0};
	const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	uint64_t frac = 0, scale = NS_PER_S;

	if (!rest)
		return 0;
	/* Fraction digits beyond nanoseconds are dropped, not rounded. */
	if (*rest == '.')
		for (rest++; isdigit((unsigned char)*rest); rest++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*rest - '0') * scale;
			}
	return (uint64_t)timegm(&tm) * NS_PER_S + frac;
}
