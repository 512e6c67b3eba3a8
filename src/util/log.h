/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Daemon log lines on stderr with a level: "<N>message" (syslog priority
 * prefix that journald understands) when stderr is the journal, else
 * "hivemon: LEVEL: message".
 */
#ifndef HIVEMON_LOG_H
#define HIVEMON_LOG_H

#include <syslog.h>

/* @level is LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO or LOG_DEBUG. */
void hlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
