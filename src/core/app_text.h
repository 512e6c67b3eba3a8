/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Normalized text of application requests: an HTTP request target becomes a
 * route ("/users/{id}"), a SQL statement loses its literals ("id = $1"), and
 * both get a stable 64-bit fingerprint. Input comes from the wire: untrusted,
 * possibly a truncated prefix, possibly not text at all. Output is always
 * NUL-terminated, valid UTF-8 without control characters (safe as a metric
 * label or a database row), and a pure function of the input bytes.
 */
#ifndef HIVEMON_APP_TEXT_H
#define HIVEMON_APP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * "/users/42?x=1" -> "/users/{id}". Reads @n bytes of @target (stops at a
 * NUL), writes at most @len bytes to @out, NUL-terminated; returns @out.
 * Drops the query string and fragment, reduces an absolute-form target
 * ("http://host/p") to its path, collapses "//", and replaces id-like path
 * segments (numbers, UUIDs, hex ids, mixed letter/digit tokens, base64-like
 * tokens) by "{id}" (keeping a file extension: "{id}.png"). Bytes outside
 * the URL character set are %-escaped. A route longer than @len is cut at a
 * segment boundary and ends in "/...". Writes "" when @target is not a
 * request target (empty, control bytes, neither "/...", "*" nor
 * "scheme://..."): the caller counts it as unparsed.
 */
char *http_route_normalize(const char *target, size_t n, char *out, size_t len);

/*
 * "SELECT * FROM t WHERE id = 42 AND name = 'x'"
 *   -> "SELECT * FROM t WHERE id = $1 AND name = $2".
 * Reads @n bytes of @sql (stops at a NUL), writes at most @len bytes to @out,
 * NUL-terminated; returns @out. Numeric and string literals ('..', E'..',
 * B'..', X'..', N'..', U&'..', $tag$..$tag$) become $n, numbered after the
 * highest $n placeholder already in the text, which is kept. "IN (<only
 * literals or placeholders>)" becomes "IN (...)"; the row list after VALUES
 * becomes "VALUES (...)". Comments are dropped, whitespace runs become one
 * space, words and their case are kept. A prefix cut inside a literal, a
 * comment or an IN / VALUES list gives the same text as the whole statement
 * would up to that point. Invalid UTF-8 becomes '?', control bytes spaces.
 * A result longer than @len is cut between tokens.
 */
char *sql_normalize(const char *sql, size_t n, char *out, size_t len);

/* The highest $n placeholder of @sql outside literals and comments; 0 if
 * none. */
unsigned long sql_max_placeholder(const char *sql, size_t n);

/* FNV-1a 64 of @normalized (NUL-terminated); never 0 (0 means "none"). */
uint64_t app_text_fingerprint(const char *normalized);

#endif
