/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The application-protocol pane of `hivemon top` (key A): per service of
 * the processes shown, its HTTP routes, SQL statements and Redis commands
 * in one table by total time (requests/s, p50, p99, errors, hit ratio),
 * and its slowest statements.
 */
#ifndef HIVEMON_TOP_APP_H
#define HIVEMON_TOP_APP_H

#include <stdbool.h>

#include "top/top_render.h"

/* Rows per service at most, and slow statements. */
#define TOP_APP_ROWS 12
#define TOP_APP_SLOW 5

/* The pane of @f, its services restricted to the processes of f->model. */
void top_format_app(const struct top_frame *f, struct top_lines *out);
/* The detail view's section of process @p: its rows and slow statements;
 * nothing when it has none. */
void top_format_app_proc(const struct proc_snapshot *p, uint64_t window_ns, struct top_lines *out);
/* --once: a blank line and the pane, after the table; nothing when no
 * process shown has rows. */
void top_app_print_plain(const struct top_frame *f, FILE *out);
/* Whether any process of f->model has application-protocol rows. */
bool top_app_any(const struct top_frame *f);

#endif
