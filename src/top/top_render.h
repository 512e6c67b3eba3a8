/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: top. The live view: rows, view state, drawing (text first, ncurses
 * last). Includes report and core.
 *
 * Drawing of `hivemon top`. Every screen is first laid out as styled text
 * lines (testable, and printed as-is by --once); the ncurses part only
 * places those lines, clips them to the terminal and colours them.
 */
#ifndef HIVEMON_TOP_RENDER_H
#define HIVEMON_TOP_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "top/top_alerts.h"
#include "core/snapshot.h"
#include "top/top_model.h"
#include "top/top_view.h"

#define TOP_LINE_MAX 512

enum line_style {
	STYLE_NORMAL,
	STYLE_TITLE,	/* bold */
	STYLE_COLHDR,	/* reverse video */
	STYLE_SELECTED, /* the cursor row */
	STYLE_BAR,	/* histogram bars */
	STYLE_TIER,	/* + tier: alert colours */
};

struct top_line {
	char text[TOP_LINE_MAX];
	enum line_style style;
	/* One highlighted span (the alert tier cell), in columns; len 0 = none. */
	int span_col, span_len;
	enum top_tier span_tier;
};

struct top_lines {
	struct top_line *items;
	size_t n, cap;
};

/* Everything a frame shows. */
struct top_frame {
	const struct snapshot *snap;
	const struct top_model *model;
	const struct top_alerts *alerts;
	const struct top_view *view;
	const char *source; /* "standalone" or "daemon <path>" */
	uint64_t interval_ns;
	const char *status;   /* transient message, or NULL */
	const json_t *groups; /* the daemon's groups[] (top_groups.h), or NULL */
	bool ascii;	      /* terminal without UTF-8: fold µ, arrows to ASCII */
};

void top_lines_init(struct top_lines *l);
void top_lines_free(struct top_lines *l);
void top_lines_clear(struct top_lines *l);
/* Appends a formatted line; returns it (NULL on ENOMEM) to set a style. */
struct top_line *top_lines_add(struct top_lines *l, enum line_style style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Header: host, kernel, interval, source, totals, alerts by tier. */
void top_format_header(const struct top_frame *f, struct top_lines *out);
/* Status line: sort column and order, filter, rows shown, message. */
void top_format_status(const struct top_frame *f, struct top_lines *out);
/* Column titles; the sort column carries ▼ (or ▲ when ascending). */
void top_format_colhdr(char *buf, size_t len, enum top_col sort_col, bool desc);
/* One table row; *alert_col gets the column where the ALERT cell starts. */
void top_format_row(const struct top_row *row, char *buf, size_t len, int *alert_col);
/* The detail view of @pid (per-syscall table, histograms, TCP, slow calls). */
void top_format_detail(const struct top_frame *f, uint32_t pid, struct top_lines *out);
void top_format_alerts(const struct top_alerts *alerts, struct top_lines *out);
/* top_pools.c: the connection pools of the interval. */
void top_format_pools(const struct top_frame *f, struct top_lines *out);
void top_format_help(struct top_lines *out);
/* Bars of @h, one line per power of two holding samples, @width cells wide. */
void top_format_hist(const struct hist *h, const char *title, int width, struct top_lines *out);

/* --once: header, column titles and every row of the model, plain text. */
int top_render_plain(const struct top_frame *f, FILE *out);

/* ncurses (top_curses.c). Screen: set up (colours when the terminal has them) and tear down. */
void top_curses_start(void);
void top_curses_stop(void);
/* Rows of the table that fit the current terminal. */
size_t top_curses_page(void);
/* Draws @f without flicker (erase + wnoutrefresh + doupdate). */
void top_curses_draw(const struct top_frame *f, struct top_lines *scratch);

#endif
