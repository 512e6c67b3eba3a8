/* SPDX-License-Identifier: GPL-2.0 */
/* A growable text buffer for documents built piece by piece. */
#ifndef HIVEMON_TEXTBUF_H
#define HIVEMON_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zero-initialise to start; s is NUL-terminated once anything was put. An
 * allocation failure sets oom and turns every later put into a no-op. */
struct textbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

/* Room for @more more bytes; false once out of memory. */
bool textbuf_reserve(struct textbuf *b, size_t more);
void textbuf_put(struct textbuf *b, const char *s, size_t n);
void textbuf_puts(struct textbuf *b, const char *s);
void textbuf_u64(struct textbuf *b, uint64_t v);
/* Short formatted pieces (at most 63 characters). */
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void textbuf_free(struct textbuf *b);

#endif
