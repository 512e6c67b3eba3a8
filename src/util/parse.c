// SPDX-License-Identifier: GPL-2.0
/* Value parsers: durations, sizes, percentages, rates, integers, booleans. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"

int parse_duration_ns(const char *text, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{"ns", 1},   {"us", 1e3},   {"ms", 1e6}, {"s", 1e9},
		{"m", 60e9}, {"h", 3600e9}, {"", 1e9},
	};
	char *end;
	double value;

	/* A digit or '.' first: strtod would also take " 1s", "nan", "inf". */
	if (!text || !(isdigit((unsigned char)*text) || *text == '.'))
		return -EINVAL;
	errno = 0;
	value = strtod(text, &end);
	if (errno || end == text || value < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		value *= units[i].scale;
		if (value >= 1.8e19)
			return -ERANGE;
		*ns = (uint64_t)(value + 0.5);
		return 0;
	}
	return -EINVAL;
}

int parse_size_bytes(const char *text, double *bytes)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{"", 1},
		{"b", 1},
		{"k", 1024.0},
		{"kb", 1024.0},
		{"kib", 1024.0},
		{"m", 1048576.0},
		{"mb", 1048576.0},
		{"mib", 1048576.0},
		{"g", 1073741824.0},
		{"gb", 1073741824.0},
		{"gib", 1073741824.0},
		{"t", 1099511627776.0},
		{"tb", 1099511627776.0},
		{"tib", 1099511627776.0},
	};
	char *end;
	double v;

	if (!text || !*text || *text == '-' || *text == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(end, units[i].suffix)) {
			*bytes = v * units[i].scale;
			return 0;
		}
	return -EINVAL;
}

/* A non-negative number, optionally followed by @unit ("5", "5%", "5 /s"). */
static int parse_number(const char *text, const char *unit, double *value)
{
	char *end;
	double v;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (!strncmp(end, unit, strlen(unit)))
		end += strlen(unit);
	if (*end)
		return -EINVAL;
	*value = v;
	return 0;
}

int parse_percent(const char *text, double *percent)
{
	return parse_number(text, "%", percent);
}

int parse_rate(const char *text, double *per_s)
{
	return parse_number(text, "/s", per_s);
}

int parse_count(const char *text, double *count)
{
	return parse_number(text, "", count);
}

int parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(text, yes[i])) {
			*value = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*value = false;
			return 0;
		}
	}
	return -EINVAL;
}
