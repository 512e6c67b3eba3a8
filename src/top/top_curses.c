// SPDX-License-Identifier: GPL-2.0
/* ncurses drawing of the top screens laid out by top_render.c. */
#include <curses.h>
#include <string.h>

#include "top/top_groups.h"
#include "top/top_app.h"
#include "top/top_render.h"

enum { PAIR_INFO = 1, PAIR_WARNING, PAIR_CRITICAL, PAIR_EMERGENCY, PAIR_BAR };

void top_curses_start(void)
{
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_INFO, COLOR_CYAN, -1);
		init_pair(PAIR_WARNING, COLOR_YELLOW, -1);
		init_pair(PAIR_CRITICAL, COLOR_RED, -1);
		init_pair(PAIR_EMERGENCY, COLOR_MAGENTA, -1);
		init_pair(PAIR_BAR, COLOR_GREEN, -1);
	}
}

void top_curses_stop(void)
{
	endwin();
}

/* Header (3 lines), column titles, footer. */
#define TOP_CHROME 5

size_t top_curses_page(void)
{
	return LINES > TOP_CHROME ? (size_t)(LINES - TOP_CHROME) : 1;
}

static attr_t tier_attr(enum top_tier tier)
{
	static const short pairs[TIER_COUNT] = {0, PAIR_INFO, PAIR_WARNING, PAIR_CRITICAL,
						PAIR_EMERGENCY};

	if (has_colors())
		return COLOR_PAIR(pairs[tier]) | (tier >= TIER_CRITICAL ? A_BOLD : 0);
	/* Monochrome: severity still stands out. */
	return tier >= TIER_CRITICAL ? A_BOLD | A_UNDERLINE : tier ? A_BOLD : A_NORMAL;
}

static attr_t style_attr(enum line_style style)
{
	switch (style) {
	case STYLE_TITLE:
		return A_BOLD;
	case STYLE_COLHDR:
	case STYLE_SELECTED:
		return A_REVERSE;
	case STYLE_BAR:
		return has_colors() ? COLOR_PAIR(PAIR_BAR) : A_NORMAL;
	default:
		return A_NORMAL;
	}
}

/* For terminals without UTF-8: one ASCII character per code point, so the
 * columns stay where they are. */
static void ascii_fold(char *dst, const char *src, size_t len)
{
	static const struct {
		const char *utf8;
		char ascii;
	} map[] = {{"µ", 'u'}, {"▼", 'v'}, {"▲", '^'}};
	size_t o = 0;

	while (*src && o + 1 < len) {
		size_t n = 1, k;

		if (!((unsigned char)*src & 0x80)) {
			dst[o++] = *src++;
			continue;
		}
		while (((unsigned char)src[n] & 0xC0) == 0x80)
			n++;
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (!strncmp(src, map[k].utf8, n) && strlen(map[k].utf8) == n)
				break;
		dst[o++] = k < sizeof(map) / sizeof(map[0]) ? map[k].ascii : '?';
		src += n;
	}
	dst[o] = '\0';
}

static void draw_line(int y, const struct top_line *line, bool ascii)
{
	attr_t attr = style_attr(line->style);
	struct top_line folded;
	const struct top_line *l = line;
	size_t bytes;

	if (ascii) {
		folded = *line;
		ascii_fold(folded.text, line->text, sizeof(folded.text));
		l = &folded;
	}
	bytes = utf8_prefix(l->text, (size_t)COLS);

	attrset(attr);
	mvaddnstr(y, 0, l->text, (int)bytes);
	if (l->style == STYLE_COLHDR || l->style == STYLE_SELECTED)
		mvchgat(y, 0, -1, attr, 0, NULL);
	if (l->span_len && l->span_col < COLS) {
		size_t from = utf8_prefix(l->text, (size_t)l->span_col);
		size_t n = utf8_prefix(l->text + from, (size_t)l->span_len);

		attrset(attr | tier_attr(l->span_tier));
		mvaddnstr(y, l->span_col, l->text + from, (int)n);
	}
	attrset(A_NORMAL);
}

static void draw_table(const struct top_frame *f, int y, struct top_lines *scratch)
{
	const struct top_view *v = f->view;
	size_t page = top_curses_page();
	struct top_line *l;

	top_lines_clear(scratch);
	l = top_lines_add(scratch, STYLE_COLHDR, "%s", "");
	if (l)
		top_format_colhdr(l->text, sizeof(l->text), v->sort_col,
				  top_cols[v->sort_col].desc_default != v->reverse);
	for (size_t i = v->top_row; i < f->model->n && i < v->top_row + page; i++) {
		l = top_lines_add(scratch, i == v->cursor ? STYLE_SELECTED : STYLE_NORMAL, "%s",
				  "");
		if (!l)
			break;
		top_format_row(&f->model->rows[i], l->text, sizeof(l->text), &l->span_col);
		if (f->model->rows[i].tier) {
			l->span_len = top_cols[COL_ALERT].width;
			l->span_tier = f->model->rows[i].tier;
		}
	}
	for (size_t i = 0; i < scratch->n; i++)
		draw_line(y + (int)i, &scratch->items[i], f->ascii);
}

static void draw_text(const struct top_frame *f, int y, struct top_lines *scratch)
{
	const struct top_view *v = f->view;
	size_t rows = LINES > y + 1 ? (size_t)(LINES - y - 1) : 0, first;

	top_lines_clear(scratch);
	if (v->mode == MODE_DETAIL)
		top_format_detail(f, v->selected_pid, scratch);
	else if (v->mode == MODE_ALERTS)
		top_format_alerts(f->alerts, scratch);
	else if (v->mode == MODE_POOLS)
		top_format_pools(f, scratch);
	else if (v->mode == MODE_GROUPS)
		top_format_groups(f->groups, scratch);
	else if (v->mode == MODE_APP)
		top_format_app(f, scratch);
	else
		top_format_help(scratch);
	first = v->scroll < scratch->n ? v->scroll : (scratch->n ? scratch->n - 1 : 0);
	for (size_t i = first; i < scratch->n && i - first < rows; i++)
		draw_line(y + (int)(i - first), &scratch->items[i], f->ascii);
}

void top_curses_draw(const struct top_frame *f, struct top_lines *scratch)
{
	static const struct top_line footer = {
		"q quit  j/k move  s/</> sort  r reverse  / filter  Enter detail  a alerts  "
		"o pools  g groups  A protocols  p pause  h help",
		STYLE_COLHDR,
	};
	int y;

	erase();
	top_lines_clear(scratch);
	top_format_header(f, scratch);
	top_format_status(f, scratch);
	for (y = 0; y < (int)scratch->n; y++)
		draw_line(y, &scratch->items[y], f->ascii);
	if (f->view->mode == MODE_TABLE)
		draw_table(f, y, scratch);
	else
		draw_text(f, y, scratch);
	draw_line(LINES - 1, &footer, f->ascii);
	wnoutrefresh(stdscr);
	doupdate();
}
