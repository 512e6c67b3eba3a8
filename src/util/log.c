// SPDX-License-Identifier: GPL-2.0
/* Log lines on stderr, each written whole with one write(2). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static const char *level_word(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void write_all(const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/*
 * @prefix, the message and '\n' formatted into one buffer, then one write:
 * stdio would write a long line in pieces that other threads can split.
 */
static void write_line(const char *prefix, const char *fmt, va_list ap)
{
	char stack[1024], *line = stack;
	size_t plen = strlen(prefix);
	va_list again;
	int n;

	if (plen > sizeof(stack) / 2)
		plen = sizeof(stack) / 2;
	memcpy(stack, prefix, plen);
	va_copy(again, ap);
	n = vsnprintf(stack + plen, sizeof(stack) - plen, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n + plen + 1 >= sizeof(stack)) {
		line = malloc(plen + (size_t)n + 2);
		if (line) {
			memcpy(line, prefix, plen);
			vsnprintf(line + plen, (size_t)n + 1, fmt, again);
		} else {
			line = stack; /* truncated, still one whole line */
			n = (int)(sizeof(stack) - plen - 2);
		}
	}
	va_end(again);
	line[plen + (size_t)n] = '\n';
	write_all(line, plen + (size_t)n + 1);
	if (line != stack)
		free(line);
}

void hlog(int level, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	if (getenv("JOURNAL_STREAM"))
		snprintf(prefix, sizeof(prefix), "<%d>", level);
	else
		snprintf(prefix, sizeof(prefix), "hivemon: %s: ", level_word(level));
	va_start(ap, fmt);
	write_line(prefix, fmt, ap);
	va_end(ap);
}

void log_verror(const char *fmt, va_list ap)
{
	write_line("hivemon: ", fmt, ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verror(fmt, ap);
	va_end(ap);
}
