/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `hivemon top` shows and where the cursor is: the current screen,
 * sort column, filter, selection, pause. Keys (ncurses codes) change it;
 * nothing here draws, so the key handling is testable without a terminal.
 */
#ifndef HIVEMON_TOP_VIEW_H
#define HIVEMON_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "top/top_model.h"

enum top_mode {
	MODE_TABLE,
	MODE_DETAIL,
	MODE_ALERTS,
	MODE_HELP,
	MODE_POOLS,
	MODE_GROUPS,
	MODE_APP
};

struct top_view {
	enum top_mode mode;
	enum top_col sort_col;
	bool reverse;
	char filter[PROC_COMM_LEN]; /* comm substring, "" = all */
	bool editing_filter;
	uint32_t selected_pid; /* follows the process across refreshes */
	size_t cursor;	       /* index of the selected row */
	size_t top_row;	       /* first row on screen */
	size_t scroll;	       /* first line of the detail/alerts/help text */
	bool paused;
	bool quit;
};

void top_view_init(struct top_view *v);
/* Applies one key; @m is the model on screen, @page its visible rows.
 * Returns true when the model must be rebuilt (sort or filter changed). */
bool top_view_key(struct top_view *v, int key, const struct top_model *m, size_t page);
/* Puts the cursor back on the selected process after a rebuild, keeping
 * it on screen (@page rows visible). */
void top_view_sync(struct top_view *v, const struct top_model *m, size_t page);

#endif
