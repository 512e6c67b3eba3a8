/* SPDX-License-Identifier: GPL-2.0 */
/* UTF-8 validation for text that leaves hivemon (metrics labels, database rows). */
#ifndef HIVEMON_UTF8_H
#define HIVEMON_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Copies @in to @out (size @cap, NUL-terminated) with every byte that is not
 * part of valid UTF-8 replaced by '?'; never splits a sequence. */
void utf8_sanitize(const char *in, char *out, size_t cap);

#endif
