/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The application protocols of a text report: per service, its HTTP
 * routes, SQL statements (by total time), Redis commands with their hit
 * ratio, and its slow query log. Nothing for a service without such rows.
 */
#ifndef HIVEMON_REPORT_APP_TEXT_H
#define HIVEMON_REPORT_APP_TEXT_H

#include <stdio.h>

#include "core/services.h"
#include "core/snapshot.h"

/* Rows of each table at most; the JSON has them all. */
#define APP_TEXT_ROWS 10
/* Columns of a query's text before it is cut ("..."). */
#define APP_TEXT_QUERY_COLS 60

void report_print_app_text(const struct snapshot *snap, const struct services *svcs, FILE *out);
/* @text on one line (control characters as spaces, runs of blanks as one),
 * cut to @cols columns with "..." when longer; returns @buf of @len bytes. */
char *app_text_clip(const char *text, size_t cols, char *buf, size_t len);

#endif
