// SPDX-License-Identifier: GPL-2.0
/* Filtered sequential scans of a JSON plan, the columns of a filter, and
 * the read-only check of a statement (plan.h). */
#include "postgres/plan.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/app_text.h"

static const char *str_of(json_t *node, const char *key)
{
	const char *s = json_string_value(json_object_get(node, key));

	return s ? s : "";
}

static void walk(json_t *node, struct plan_scan *scans, int max, int *n)
{
	json_t *child;
	size_t i;

	if (!json_is_object(node))
		return;
	if (*n < max && !strcmp(str_of(node, "Node Type"), "Seq Scan") &&
	    json_is_string(json_object_get(node, "Filter")) &&
	    json_is_string(json_object_get(node, "Relation Name"))) {
		struct plan_scan *s = &scans[(*n)++];

		snprintf(s->schema, sizeof(s->schema), "%s", str_of(node, "Schema"));
		snprintf(s->relation, sizeof(s->relation), "%s", str_of(node, "Relation Name"));
		snprintf(s->filter, sizeof(s->filter), "%s", str_of(node, "Filter"));
		s->plan_rows = json_number_value(json_object_get(node, "Plan Rows"));
	}
	json_array_foreach(json_object_get(node, "Plans"), i, child) walk(child, scans, max, n);
}

/* The "Plan" of the first element of the document, or NULL. */
static json_t *top_plan(json_t *doc)
{
	return json_object_get(json_array_get(doc, 0), "Plan");
}

int plan_filtered_scans(const char *json, struct plan_scan *scans, int max)
{
	json_t *doc = json_loads(json ? json : "", 0, NULL);
	json_t *plan = top_plan(doc);
	int n = 0;

	if (!json_is_object(plan)) {
		json_decref(doc);
		return -1;
	}
	walk(plan, scans, max, &n);
	json_decref(doc);
	return n;
}

double plan_top_rows(const char *json)
{
	json_t *doc = json_loads(json ? json : "", 0, NULL);
	json_t *rows = json_object_get(top_plan(doc), "Plan Rows");
	double v = json_is_number(rows) ? json_number_value(rows) : -1;

	json_decref(doc);
	return v;
}

/* ---- filter expressions ------------------------------------------------ */

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c & 0x80);
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool word_in(const char *w, size_t k, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == k && !strncasecmp(w, *list, k))
			return true;
	return false;
}

/* Words of a deparsed expression that are not columns. */
static const char *const keywords[] = {
	"and",
	"or",
	"not",
	"is",
	"null",
	"true",
	"false",
	"unknown",
	"any",
	"all",
	"some",
	"array",
	"like",
	"ilike",
	"similar",
	"to",
	"in",
	"between",
	"symmetric",
	"case",
	"when",
	"then",
	"else",
	"end",
	"distinct",
	"from",
	"at",
	"time",
	"zone",
	"escape",
	"subplan",
	"hashed",
	"initplan",
	"row",
	"current_date",
	"current_time",
	"current_timestamp",
	"localtime",
	"localtimestamp",
	"current_user",
	"session_user",
	"user",
	"overlaps",
	"collate",
	"exists",
	"nulls",
	NULL,
};

/* Words that continue a type name after the first ("character varying"). */
static const char *const type_words[] = {"varying", "precision", "with", "without",
					 "time",    "zone",	 NULL};

/* One identifier at @p (a word or a "quoted" one); its end, or @p. */
static const char *scan_ident(const char *p)
{
	if (*p == '"') {
		for (p++; *p; p++)
			if (*p == '"' && *++p != '"')
				return p;
		return p;
	}
	while (is_ident_char(*p))
		p++;
	return p;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Past a cast's type name: words (and their continuations), "[]". */
static const char *skip_type(const char *p)
{
	const char *e;

	p = skip_space(p);
	e = scan_ident(p);
	if (e == p)
		return p;
	for (p = e;;) {
		const char *q = skip_space(p);

		e = scan_ident(q);
		if (e > q && *q != '"' && word_in(q, (size_t)(e - q), type_words))
			p = e;
		else if (q[0] == '[' && q[1] == ']')
			p = q + 2;
		else
			return p;
	}
}

static bool add_column(const char *w, size_t k, char *out, size_t len, int *n)
{
	size_t used = strlen(out);

	/* Already named? Compare against each ", "-separated entry. */
	for (const char *c = out; *c;) {
		const char *e = strstr(c, ", ");
		size_t l = e ? (size_t)(e - c) : strlen(c);

		if (l == k && !strncmp(c, w, k))
			return true;
		if (!e)
			break;
		c = e + 2;
	}
	if (used + (used ? 2 : 0) + k + 1 > len)
		return false;
	snprintf(out + used, len - used, "%s%.*s", used ? ", " : "", (int)k, w);
	(*n)++;
	return true;
}

/* Parentheses of a filter, and which of them hold a function's arguments:
 * a column seen only through a function (lower(email)) is not one a plain
 * index on it serves. */
struct parens {
	unsigned int depth;
	uint64_t fn; /* bit d: the parenthesis at depth d is a call's */
	bool call_next;
};

static void paren(struct parens *pp, char c)
{
	if (c == '(') {
		pp->depth++;
		if (pp->depth < 64 && pp->call_next)
			pp->fn |= 1ULL << pp->depth;
	} else if (c == ')' && pp->depth) {
		if (pp->depth < 64)
			pp->fn &= ~(1ULL << pp->depth);
		pp->depth--;
	}
	pp->call_next = false;
}

int filter_columns(const char *filter, char *out, size_t len)
{
	const char *p = filter ? filter : "";
	struct parens pp = {0};
	bool after_collate = false;
	int n = 0;

	if (!len)
		return 0;
	out[0] = '\0';
	while (*(p = skip_space(p))) {
		const char *start = p, *end;

		if (*p == '\'') { /* a literal, '' escaped */
			for (p++; *p; p++)
				if (*p == '\'' && *++p != '\'')
					break;
			continue;
		}
		if (p[0] == ':' && p[1] == ':') {
			p = skip_type(p + 2);
			continue;
		}
		if (*p != '"' && !is_ident_start(*p)) {
			/* Parentheses, numbers, $n and operators. */
			paren(&pp, *p);
			for (p++; *p == '$' || (*p >= '0' && *p <= '9') || *p == '.';)
				p++;
			continue;
		}
		end = scan_ident(p);
		/* Qualified name: the column is its last part. */
		while (*end == '.' && (end[1] == '"' || is_ident_start(end[1]))) {
			start = end + 1;
			end = scan_ident(start);
		}
		p = end;
		if (after_collate) {
			after_collate = false;
			continue;
		}
		if (*start != '"' && word_in(start, (size_t)(end - start), keywords)) {
			after_collate = !strncasecmp(start, "collate", 7) && end - start == 7;
			continue;
		}
		if (*skip_space(end) == '(') { /* a function */
			pp.call_next = true;
			continue;
		}
		if (pp.fn)
			continue;
		if (!add_column(start, (size_t)(end - start), out, len, &n))
			break;
	}
	return n;
}

/* ---- the statement ----------------------------------------------------- */

static void say(char *why, size_t whylen, const char *msg)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
}

/* Commands that change data, refused anywhere in the statement (a WITH
 * may hold them); INTO is SELECT INTO, which creates a table. */
static const char *const writes[] = {"insert", "update", "delete",   "merge",
				     "into",   "copy",	 "truncate", NULL};

bool sql_is_single_select(const char *sql, char *why, size_t whylen)
{
	size_t n = sql ? strlen(sql) : 0, cap = 4 * n + 16;
	char *norm = malloc(cap);
	bool first = true, ok = true;
	const char *p;

	if (!norm) {
		say(why, whylen, "out of memory");
		return false;
	}
	/* Literals and comments are gone after normalization; what is left are
	 * words, quoted identifiers, placeholders and punctuation. */
	sql_normalize(sql ? sql : "", n, norm, cap);
	for (p = norm; ok && *(p = skip_space(p));) {
		const char *e = *p == '"' || is_ident_start(*p) ? scan_ident(p) : p + 1;
		size_t k = (size_t)(e - p);

		if (first && (*p == '"' ||
			      !(word_in(p, k, (const char *const[]){"select", "with", NULL})))) {
			say(why, whylen, "not a SELECT");
			ok = false;
		} else if (*p == ';' && *skip_space(e) && *skip_space(e) != ';') {
			say(why, whylen, "more than one statement");
			ok = false;
		} else if (*p != '"' && is_ident_start(*p) && word_in(p, k, writes)) {
			say(why, whylen, "names a data-modifying command");
			ok = false;
		}
		first = false;
		p = e;
	}
	if (ok && first) {
		say(why, whylen, "empty statement");
		ok = false;
	}
	free(norm);
	return ok;
}
