// SPDX-License-Identifier: GPL-2.0
/* Key handling and selection state of `hivemon top`. */
#include <ctype.h>
#include <curses.h>
#include <string.h>

#include "top/top_view.h"

#define KEY_ESC 27

void top_view_init(struct top_view *v)
{
	memset(v, 0, sizeof(*v));
	v->mode = MODE_TABLE;
	v->sort_col = COL_CPU;
}

static enum top_col next_sort_col(enum top_col col, int step)
{
	do
		col = (enum top_col)(((int)col + step + COL_COUNT) % COL_COUNT);
	while (!top_cols[col].sortable);
	return col;
}

static void move_cursor(struct top_view *v, const struct top_model *m, long delta)
{
	long c = (long)v->cursor + delta;

	if (!m->n)
		return;
	if (c < 0)
		c = 0;
	if (c >= (long)m->n)
		c = (long)m->n - 1;
	v->cursor = (size_t)c;
	v->selected_pid = m->rows[c].pid;
}

/* Typing a filter: printable characters append, the filter applies live. */
static bool filter_key(struct top_view *v, int key)
{
	size_t len = strlen(v->filter);

	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		v->editing_filter = false;
		return false;
	}
	if (key == KEY_ESC) {
		v->editing_filter = false;
		v->filter[0] = '\0';
		return true;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (len)
			v->filter[len - 1] = '\0';
		return true;
	}
	if (key > 0 && key < 256 && isprint(key) && len + 1 < sizeof(v->filter)) {
		v->filter[len] = (char)key;
		v->filter[len + 1] = '\0';
		return true;
	}
	return false;
}

static bool table_key(struct top_view *v, int key, const struct top_model *m, size_t page)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		move_cursor(v, m, -1);
		return false;
	case KEY_DOWN:
	case 'j':
		move_cursor(v, m, 1);
		return false;
	case KEY_PPAGE:
		move_cursor(v, m, -(long)(page ? page : 1));
		return false;
	case KEY_NPAGE:
		move_cursor(v, m, (long)(page ? page : 1));
		return false;
	case KEY_HOME:
		move_cursor(v, m, -(long)m->n);
		return false;
	case KEY_END:
		move_cursor(v, m, (long)m->n);
		return false;
	case 's':
	case KEY_RIGHT:
		v->sort_col = next_sort_col(v->sort_col, 1);
		return true;
	case KEY_LEFT:
		v->sort_col = next_sort_col(v->sort_col, -1);
		return true;
	case 'r':
		v->reverse = !v->reverse;
		return true;
	case '/':
		v->editing_filter = true;
		return false;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (m->n) {
			v->mode = MODE_DETAIL;
			v->scroll = 0;
		}
		return false;
	}
	return false;
}

/* Detail, alerts, groups and help are scrolled text; Esc, Enter or ← go back. */
static bool text_key(struct top_view *v, int key, size_t page)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		if (v->scroll)
			v->scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		v->scroll++;
		break;
	case KEY_PPAGE:
		v->scroll = v->scroll > page ? v->scroll - page : 0;
		break;
	case KEY_NPAGE:
		v->scroll += page;
		break;
	case KEY_ESC:
	case KEY_LEFT:
	case KEY_BACKSPACE:
	case '\n':
	case '\r':
	case KEY_ENTER:
		v->mode = MODE_TABLE;
		break;
	}
	return false;
}

static bool toggle_mode(struct top_view *v, enum top_mode mode)
{
	v->mode = v->mode == mode ? MODE_TABLE : mode;
	v->scroll = 0;
	return false;
}

bool top_view_key(struct top_view *v, int key, const struct top_model *m, size_t page)
{
	if (v->editing_filter)
		return filter_key(v, key);
	switch (key) {
	case 'q':
	case 'Q':
		v->quit = true;
		return false;
	case 'p':
		v->paused = !v->paused;
		return false;
	case 'a':
		return toggle_mode(v, MODE_ALERTS);
	case 'o':
		return toggle_mode(v, MODE_POOLS);
	case 'g':
		return toggle_mode(v, MODE_GROUPS);
	case 'A':
		return toggle_mode(v, MODE_APP);
	case 'h':
	case '?':
		return toggle_mode(v, MODE_HELP);
	}
	if (v->mode == MODE_TABLE)
		return table_key(v, key, m, page);
	return text_key(v, key, page);
}

void top_view_sync(struct top_view *v, const struct top_model *m, size_t page)
{
	long i = v->selected_pid ? top_model_find(m, v->selected_pid) : -1;

	if (!m->n) {
		v->cursor = v->top_row = 0;
		return;
	}
	if (i >= 0)
		v->cursor = (size_t)i;
	else if (v->cursor >= m->n)
		v->cursor = m->n - 1;
	/* A process that vanished leaves the cursor where it was, on its successor. */
	v->selected_pid = m->rows[v->cursor].pid;
	if (!page)
		page = 1;
	if (v->cursor < v->top_row)
		v->top_row = v->cursor;
	else if (v->cursor >= v->top_row + page)
		v->top_row = v->cursor - page + 1;
	if (v->top_row + page > m->n)
		v->top_row = m->n > page ? m->n - page : 0;
}
