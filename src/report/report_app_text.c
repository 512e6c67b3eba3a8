// SPDX-License-Identifier: GPL-2.0
/* Application protocols in the text report: HTTP, SQL, Redis, slow queries per service. */
#include <stdlib.h>
#include <string.h>

#include "core/app_stats.h"
#include "report/report_app_text.h"
#include "util/rfc3339.h"
#include "util/units.h"
#include "util/utf8.h"

#define ROUTE_COLS 32

char *app_text_clip(const char *text, size_t cols, char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t at = 0, shown = 0, rest = strlen((const char *)s);
	bool blank = true; /* drops leading blanks and joins runs */

	while (*s && at + 8 < len) {
		size_t n = utf8_seq_len(s, rest);

		if (*s < 0x20 || *s == ' ' || *s == 0x7f) {
			if (!blank && shown < cols) {
				buf[at++] = ' ';
				shown++;
			}
			blank = true;
			s++, rest--;
			continue;
		}
		if (shown == cols)
			break;
		blank = false;
		if (!n) { /* not UTF-8: shown as '?' */
			buf[at++] = '?';
			n = 1;
		} else {
			memcpy(buf + at, s, n);
			at += n;
		}
		shown++;
		s += n, rest -= n;
	}
	if (*s && cols >= 3) { /* cut: the last three columns say so */
		while (shown > cols - 3 && at) {
			do
				at--;
			while (at && ((unsigned char)buf[at] & 0xc0) == 0x80);
			shown--;
		}
		memcpy(buf + at, "...", 3);
		at += 3;
	}
	while (at && buf[at - 1] == ' ')
		at--;
	buf[at] = '\0';
	return buf;
}

/* Columns of UTF-8 @s: every code point one, as app_text_clip() counts. */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static const char *lat(const struct hist *h, uint64_t ns, char *buf)
{
	return h->count ? format_ns(ns, buf, UNITS_BUFLEN) : "-";
}

static void more(size_t n, const char *what, FILE *out)
{
	if (n > APP_TEXT_ROWS)
		fprintf(out, "    ... %zu more %s in --format json\n", n - APP_TEXT_ROWS, what);
}

static void print_http(const struct proc_snapshot *acc, FILE *out)
{
	size_t n;
	const struct app_request_stat **rows = app_rows_by_time(acc, APP_HTTP, &n);
	char a[UNITS_BUFLEN], b[UNITS_BUFLEN], c[UNITS_BUFLEN], st[APP_STATUS_LEN];
	char route[ROUTE_COLS * 4 + 8];

	if (!rows)
		return;
	fprintf(out, "  HTTP\n    %-6s %-7s %-*s %6s %8s %7s %9s %9s %9s\n", "ROLE", "METHOD",
		ROUTE_COLS, "ROUTE", "STATUS", "COUNT", "ERRORS", "P50", "P99", "MAX");
	for (size_t i = 0; i < n && i < APP_TEXT_ROWS; i++) {
		const struct app_request_stat *r = rows[i];
		int pad = ROUTE_COLS;

		app_text_clip(r->text, ROUTE_COLS, route, sizeof(route));
		/* printf pads bytes, the terminal shows columns. */
		pad += (int)(strlen(route) - columns(route));
		fprintf(out, "    %-6s %-7s %-*s %6s %8llu %7llu %9s %9s %9s\n",
			app_role_name(r->role), r->method, pad, route,
			app_status_text(r->status, st), (unsigned long long)r->count,
			(unsigned long long)r->errors, lat(&r->lat, hist_quantile(&r->lat, 0.5), a),
			lat(&r->lat, hist_quantile(&r->lat, 0.99), b),
			lat(&r->lat, r->lat.max_ns, c));
	}
	more(n, "routes", out);
	free(rows);
}

static void print_sql(const struct proc_snapshot *acc, FILE *out)
{
	size_t n;
	const struct app_request_stat **rows = app_rows_by_time(acc, APP_PGSQL, &n);
	char a[UNITS_BUFLEN], b[UNITS_BUFLEN], c[UNITS_BUFLEN];
	char query[APP_TEXT_QUERY_COLS * 4 + 8];

	if (!rows)
		return;
	fprintf(out, "  SQL (by total time)\n    %-6s %8s %7s %9s %9s %9s  %s\n", "ROLE", "CALLS",
		"ERRORS", "TOTAL", "P50", "P99", "QUERY");
	for (size_t i = 0; i < n && i < APP_TEXT_ROWS; i++) {
		const struct app_request_stat *r = rows[i];

		fprintf(out, "    %-6s %8llu %7llu %9s %9s %9s  %s\n", app_role_name(r->role),
			(unsigned long long)r->count, (unsigned long long)r->errors,
			lat(&r->lat, r->lat.sum_ns, a),
			lat(&r->lat, hist_quantile(&r->lat, 0.5), b),
			lat(&r->lat, hist_quantile(&r->lat, 0.99), c),
			app_text_clip(r->text, APP_TEXT_QUERY_COLS, query, sizeof(query)));
	}
	more(n, "statements", out);
	free(rows);
}

static void print_redis(const struct proc_snapshot *acc, FILE *out)
{
	size_t n;
	const struct app_request_stat **rows = app_rows_by_time(acc, APP_REDIS, &n);
	char a[UNITS_BUFLEN], b[UNITS_BUFLEN], hit[16];
	double ratio;

	if (!rows)
		return;
	fprintf(out, "  Redis\n    %-6s %-16s %8s %7s %9s %9s %9s\n", "ROLE", "COMMAND", "COUNT",
		"ERRORS", "P50", "P99", "HIT RATIO");
	for (size_t i = 0; i < n && i < APP_TEXT_ROWS; i++) {
		const struct app_request_stat *r = rows[i];

		if (app_hit_ratio(r, &ratio))
			snprintf(hit, sizeof(hit), "%.1f%%", 100.0 * ratio);
		else
			snprintf(hit, sizeof(hit), "-");
		fprintf(out, "    %-6s %-16s %8llu %7llu %9s %9s %9s\n", app_role_name(r->role),
			r->method, (unsigned long long)r->count, (unsigned long long)r->errors,
			lat(&r->lat, hist_quantile(&r->lat, 0.5), a),
			lat(&r->lat, hist_quantile(&r->lat, 0.99), b), hit);
	}
	more(n, "commands", out);
	free(rows);
}

static void print_slow(const struct proc_snapshot *acc, FILE *out)
{
	const struct slow_query *slow[PROC_MAX_SLOW_QUERIES];
	size_t n = app_slow_sorted(acc, slow);
	char a[UNITS_BUFLEN], at[RFC3339_BUFLEN], peer[ENDPOINT_STRLEN];
	char query[APP_TEXT_QUERY_COLS * 4 + 8];

	if (!n)
		return;
	fprintf(out, "  Slow queries\n    %9s  %-20s %-6s %-21s  %s\n", "LATENCY", "AT", "ROLE",
		"PEER", "QUERY");
	for (size_t i = 0; i < n; i++) {
		const struct slow_query *q = slow[i];

		fprintf(out, "    %9s  %-20s %-6s %-21s  %s\n",
			format_ns(q->latency_ns, a, sizeof(a)),
			rfc3339_format(q->end_ns, RFC3339_SECONDS, at, sizeof(at)),
			app_role_name(q->role),
			q->peer.family ? endpoint_format(&q->peer, peer, sizeof(peer)) : "unix",
			app_text_clip(q->text, APP_TEXT_QUERY_COLS, query, sizeof(query)));
	}
}

static void print_service(const struct snapshot *snap, const struct service *svc, FILE *out)
{
	struct app_merged m;
	bool ok = true;

	app_merged_init(&m);
	for (size_t k = 0; k < svc->n_procs && ok; k++)
		ok = !app_merged_add(&m, &snap->procs[svc->procs[k]]);
	if (ok && (m.acc.app.n_requests || m.acc.app.n_slow)) {
		fprintf(out, "\nApplication protocols of %s:\n", svc->name);
		print_http(&m.acc, out);
		print_sql(&m.acc, out);
		print_redis(&m.acc, out);
		print_slow(&m.acc, out);
	}
	app_merged_free(&m);
}

void report_print_app_text(const struct snapshot *snap, const struct services *svcs, FILE *out)
{
	for (size_t i = 0; i < svcs->n; i++)
		print_service(snap, &svcs->items[i], out);
}
