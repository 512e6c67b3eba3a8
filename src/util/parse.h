/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers of the values people type, one per kind, shared by the command
 * line and the config file. Each returns 0 and sets *out, or a negative
 * errno (-EINVAL, -ERANGE) and leaves *out alone.
 */
#ifndef HIVEMON_PARSE_H
#define HIVEMON_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* "500ms", "2s", "1m", "1h", "250us", "10ns"; bare numbers are seconds. */
int parse_duration_ns(const char *text, uint64_t *ns);
/* "80MB", "512KiB", "1G", "1048576" -> bytes (binary multiples). */
int parse_size_bytes(const char *text, double *bytes);
/* "70%", "70" -> 70. */
int parse_percent(const char *text, double *percent);
/* "12.5/s", "12.5" -> 12.5. */
int parse_rate(const char *text, double *per_s);
/* "12" -> 12: a plain number of things. 0 on success. */
int parse_count(const char *text, double *count);
/* A decimal integer from @min to @max, digits only ("+1", " 1" are not). */
int parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out);
/* true/yes/on/1, false/no/off/0, any case. */
int parse_bool(const char *text, bool *value);

#endif
