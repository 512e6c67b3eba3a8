/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: util. Small tools with no hivemon knowledge (clocks, this logger, value
 * parsers, RFC 3339 times, human units, a text buffer, a u64 hash map, UTF-8
 * checks); they include only the C library.
 *
 * hivemon's one way to write to stderr. Every line goes out with a single
 * write(2), so lines from the delivery, export and main threads never
 * interleave.
 *
 * hlog() lines carry a level: "<N>message" (syslog priority prefix that
 * journald understands) when stderr is the journal, else
 * "hivemon: LEVEL: message". log_error() lines are "hivemon: message",
 * the form of errors for users of the command line.
 */
#ifndef HIVEMON_LOG_H
#define HIVEMON_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* @level is LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO or LOG_DEBUG. */
void hlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line "hivemon: <message>" on stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
