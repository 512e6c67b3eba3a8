/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Normalised texts of application requests: HTTP routes and SQL statements
 * reduced to their shape, and a stable fingerprint of that shape.
 */
#ifndef HIVEMON_CORE_APP_TEXT_H
#define HIVEMON_CORE_APP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* "/users/42?x=1" -> "/users/{id}"; returns @out. */
char *http_route_normalize(const char *target, size_t n, char *out, size_t len);
/* "select * from t where id = 42" -> "select * from t where id = $1"; returns @out. */
char *sql_normalize(const char *sql, size_t n, char *out, size_t len);
/* Stable 64-bit hash of a normalised text. */
uint64_t app_text_fingerprint(const char *normalized);

#endif
