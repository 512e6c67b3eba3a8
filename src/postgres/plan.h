/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What index advice reads in a plan, without a database: the sequential
 * scans with a filter of an EXPLAIN (FORMAT JSON) document, the column names
 * of a filter expression, and whether a statement is one read-only SELECT.
 * Pure functions, so they are tested on fixed text.
 */
#ifndef HIVEMON_POSTGRES_PLAN_H
#define HIVEMON_POSTGRES_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#define PLAN_NAME_LEN	64
#define PLAN_FILTER_LEN 256

/* A Seq Scan node with a Filter. */
struct plan_scan {
	char schema[PLAN_NAME_LEN]; /* "" without VERBOSE */
	char relation[PLAN_NAME_LEN];
	char filter[PLAN_FILTER_LEN]; /* cut if longer */
	double plan_rows;	      /* rows estimated to pass the filter */
};

/* Fills up to @max filtered sequential scans of the plan @json (the text of
 * EXPLAIN (FORMAT JSON), nested "Plans" walked), in plan order. Returns how
 * many, or -1 when @json is not such a plan. */
int plan_filtered_scans(const char *json, struct plan_scan *scans, int max);

/* The "Plan Rows" of the top node of plan @json; -1 if there is none. */
double plan_top_rows(const char *json);

/* The columns a filter expression compares ("((t.age > $2) AND (t.email =
 * 'x'::text))" -> "age, email"): qualifiers, casts, functions' names,
 * literals and keywords left out, columns seen only through a function
 * (lower(email)) too, each column once, quoted ones kept quoted,
 * ", "-joined into @out (whole names only). Returns how many. */
int filter_columns(const char *filter, char *out, size_t len);

/* Whether @sql is a single SELECT (or WITH ... SELECT) that names no
 * data-modifying command: literals and comments are not looked at, a
 * ";" may only end it. When not, @why (of @whylen bytes) says why. */
bool sql_is_single_select(const char *sql, char *why, size_t whylen);

#endif
