/* SPDX-License-Identifier: GPL-2.0 */
/* RFC 3339 UTC timestamps of CLOCK_REALTIME nanoseconds: written and read back. */
#ifndef HIVEMON_RFC3339_H
#define HIVEMON_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_BUFLEN 40

enum rfc3339_style {
	RFC3339_SECONDS, /* "2026-11-29T10:00:00Z" (reports) */
	RFC3339_MILLIS,	 /* "2026-11-29T10:00:00.123Z" (alert payloads) */
	RFC3339_PG,	 /* "2026-11-29 10:00:00.123456+00" (PostgreSQL timestamptz) */
};

/* Returns @buf (RFC3339_BUFLEN bytes hold any style). */
char *rfc3339_format(uint64_t ns, enum rfc3339_style style, char *buf, size_t len);
/* "2026-11-29T10:00:00Z", or with a fraction (".5", ".123", ".123456789"), back
 * to ns; 0 when malformed. */
uint64_t rfc3339_parse(const char *text);

#endif
