// SPDX-License-Identifier: GPL-2.0
/* Growable text buffer: appends with amortised doubling, sticky OOM. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/textbuf.h"

bool textbuf_reserve(struct textbuf *b, size_t more)
{
	char *grown;
	size_t cap;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	grown = realloc(b->s, cap);
	if (!grown) {
		b->oom = true;
		return false;
	}
	b->s = grown;
	b->cap = cap;
	return true;
}

void textbuf_put(struct textbuf *b, const char *s, size_t n)
{
	if (!textbuf_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void textbuf_puts(struct textbuf *b, const char *s)
{
	textbuf_put(b, s, strlen(s));
}

void textbuf_u64(struct textbuf *b, uint64_t v)
{
	char digits[24];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	textbuf_put(b, digits + i, sizeof(digits) - i);
}

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
	char text[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		textbuf_put(b, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

void textbuf_free(struct textbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}
