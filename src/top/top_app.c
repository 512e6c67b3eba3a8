// SPDX-License-Identifier: GPL-2.0
/* The application-protocol pane of `hivemon top`: HTTP, SQL, Redis per service. */
#include <stdlib.h>
#include <string.h>

#include "core/app_stats.h"
#include "core/services.h"
#include "report/report_app_text.h"
#include "top/top_app.h"

#define REQ_COLS 44

static bool shown(const struct top_frame *f, const struct proc_snapshot *p)
{
	return top_model_find(f->model, p->pid) >= 0;
}

bool top_app_any(const struct top_frame *f)
{
	for (size_t i = 0; i < f->snap->n_procs; i++) {
		const struct proc_snapshot *p = &f->snap->procs[i];

		if ((p->app.n_requests || p->app.n_slow) && shown(f, p))
			return true;
	}
	return false;
}

/* "GET /users/{id} 2xx", the statement, or the command; cut to REQ_COLS. */
static void request_text(const struct app_request_stat *r, char *buf, size_t len)
{
	char st[APP_STATUS_LEN], *whole = NULL;

	if (r->proto == APP_HTTP &&
	    asprintf(&whole, "%s %s %s", r->method, r->text, app_status_text(r->status, st)) < 0)
		whole = NULL;
	app_text_clip(whole		      ? whole
		      : r->proto == APP_REDIS ? r->method
					      : r->text,
		      REQ_COLS, buf, len);
	free(whole);
}

static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* @s right-aligned in @width terminal columns (µ is one column, two bytes). */
static const char *right(const char *s, int width, char *buf, size_t len)
{
	int pad = width - (int)columns(s);

	snprintf(buf, len, "%*s%s", pad > 0 ? pad : 0, "", s);
	return buf;
}

static void format_row(const struct app_request_stat *r, uint64_t window_ns, struct top_lines *out)
{
	char req[REQ_COLS * 4 + 8], rate[16], hit[16] = "-", v[3][16], cell[3][24];
	double ratio;

	request_text(r, req, sizeof(req));
	if (app_hit_ratio(r, &ratio))
		snprintf(hit, sizeof(hit), "%.1f%%", 100.0 * ratio);
	fmt_latency(hist_quantile(&r->lat, 0.5), v[0], sizeof(v[0]));
	fmt_latency(hist_quantile(&r->lat, 0.99), v[1], sizeof(v[1]));
	fmt_latency(r->lat.sum_ns, v[2], sizeof(v[2]));
	top_lines_add(out, STYLE_NORMAL, "  %-5s %-6s %-*s %7s %s %s %s %7llu %6s",
		      app_proto_name(r->proto), app_role_name(r->role),
		      REQ_COLS + (int)(strlen(req) - columns(req)), req,
		      fmt_rate(window_ns ? (double)r->count * 1e9 / (double)window_ns : 0, rate,
			       sizeof(rate)),
		      right(v[0], 8, cell[0], sizeof(cell[0])),
		      right(v[1], 8, cell[1], sizeof(cell[1])),
		      right(v[2], 8, cell[2], sizeof(cell[2])), (unsigned long long)r->errors, hit);
}

static void format_slow(const struct proc_snapshot *acc, struct top_lines *out)
{
	const struct slow_query *slow[PROC_MAX_SLOW_QUERIES];
	size_t n = app_slow_sorted(acc, slow);
	char lat[16], cell[24], text[REQ_COLS * 8 + 8];

	for (size_t i = 0; i < n && i < TOP_APP_SLOW; i++)
		top_lines_add(out, STYLE_NORMAL, "  slow  %-6s %s  %s",
			      app_role_name(slow[i]->role),
			      right(fmt_latency(slow[i]->latency_ns, lat, sizeof(lat)), 8, cell,
				    sizeof(cell)),
			      app_text_clip(slow[i]->text, REQ_COLS * 2, text, sizeof(text)));
}

static void format_table(const struct proc_snapshot *acc, uint64_t window_ns, struct top_lines *out)
{
	size_t n = 0;
	const struct app_request_stat **rows = app_rows_by_time(acc, 0, &n);

	top_lines_add(out, STYLE_COLHDR, "  %-5s %-6s %-*s %7s %8s %8s %8s %7s %6s", "PROTO",
		      "ROLE", REQ_COLS, "REQUEST", "REQ/s", "P50", "P99", "TOTAL", "ERRORS",
		      "HIT%");
	for (size_t i = 0; i < n && i < TOP_APP_ROWS; i++)
		format_row(rows[i], window_ns, out);
	if (n > TOP_APP_ROWS)
		top_lines_add(out, STYLE_NORMAL, "  ... %zu more (hivemon report)",
			      n - TOP_APP_ROWS);
	format_slow(acc, out);
	free(rows);
}

void top_format_app_proc(const struct proc_snapshot *p, uint64_t window_ns, struct top_lines *out)
{
	if (!p->app.n_requests && !p->app.n_slow)
		return;
	top_lines_add(out, STYLE_NORMAL, "%s", "");
	top_lines_add(out, STYLE_TITLE, "Application protocols");
	format_table(p, window_ns, out);
}

static void format_service(const struct top_frame *f, const struct service *svc,
			   struct top_lines *out)
{
	struct app_merged m;
	size_t procs = 0;
	bool ok = true;

	app_merged_init(&m);
	for (size_t k = 0; k < svc->n_procs && ok; k++) {
		const struct proc_snapshot *p = &f->snap->procs[svc->procs[k]];

		/* Rows first: finding a process among the shown ones is a scan. */
		if ((p->app.n_requests || p->app.n_slow) && shown(f, p)) {
			ok = !app_merged_add(&m, p);
			procs++;
		}
	}
	if (ok && (m.acc.app.n_requests || m.acc.app.n_slow)) {
		top_lines_add(out, STYLE_NORMAL, "%s", "");
		top_lines_add(out, STYLE_TITLE, "%s (%zu process%s)", svc->name, procs,
			      procs == 1 ? "" : "es");
		format_table(&m.acc, f->snap->duration_ns, out);
	}
	app_merged_free(&m);
}

void top_format_app(const struct top_frame *f, struct top_lines *out)
{
	struct services svcs;

	top_lines_add(out, STYLE_TITLE, "Application protocols: HTTP, SQL, Redis by total time");
	if (!top_app_any(f)) {
		top_lines_add(out, STYLE_NORMAL,
			      "(none seen on the sockets of the processes shown in this window)");
		return;
	}
	if (services_build(f->snap, &svcs))
		return;
	for (size_t i = 0; i < svcs.n; i++)
		format_service(f, &svcs.items[i], out);
	services_free(&svcs);
}

void top_app_print_plain(const struct top_frame *f, FILE *out)
{
	struct top_lines lines;

	if (!top_app_any(f))
		return;
	top_lines_init(&lines);
	top_format_app(f, &lines);
	fputc('\n', out);
	for (size_t i = 0; i < lines.n; i++)
		fprintf(out, "%s\n", lines.items[i].text);
	top_lines_free(&lines);
}
