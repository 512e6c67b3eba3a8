// SPDX-License-Identifier: GPL-2.0
/* Layout of the top screens as text lines, and their ncurses drawing. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_order.h"
#include "core/syscalls.h"
#include "top/top_app.h"
#include "top/top_render.h"

#define HIST_BAR_WIDTH 40

void top_lines_init(struct top_lines *l)
{
	memset(l, 0, sizeof(*l));
}

void top_lines_free(struct top_lines *l)
{
	free(l->items);
	top_lines_init(l);
}

void top_lines_clear(struct top_lines *l)
{
	l->n = 0;
}

struct top_line *top_lines_add(struct top_lines *l, enum line_style style, const char *fmt, ...)
{
	struct top_line *line;
	va_list ap;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct top_line *items = realloc(l->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		l->items = items;
		l->cap = cap;
	}
	line = &l->items[l->n++];
	memset(line, 0, sizeof(*line));
	line->style = style;
	va_start(ap, fmt);
	vsnprintf(line->text, sizeof(line->text), fmt, ap);
	va_end(ap);
	return line;
}

/* Appends @text to @buf at *@pos as a cell @width columns wide (UTF-8 aware). */
static void put_cell(char *buf, size_t len, size_t *pos, int *col, const char *text, int width,
		     bool left)
{
	size_t bytes = utf8_prefix(text, (size_t)width);
	int w = (int)utf8_width(text), pad;

	if (w > width)
		w = width;
	pad = width - w;
	if (*col > 0 && *pos + 1 < len) {
		buf[(*pos)++] = ' ';
		(*col)++;
	}
	*pos += (size_t)snprintf(buf + *pos, *pos < len ? len - *pos : 0, "%*s%.*s%*s",
				 left ? 0 : pad, "", (int)bytes, text, left ? pad : 0, "");
	if (*pos >= len)
		*pos = len - 1;
	*col += width;
}

/* Pads @buf in place to @width columns (UTF-8 aware): printf's widths
 * count bytes, which would misalign "µs". */
static char *pad_cols(char *buf, size_t len, int width, bool left)
{
	int w = (int)utf8_width(buf);
	size_t n = strlen(buf), pad;

	if (w >= width)
		return buf;
	pad = (size_t)(width - w);
	if (n + pad + 1 > len)
		return buf;
	if (left) {
		memset(buf + n, ' ', pad);
	} else {
		memmove(buf + pad, buf, n);
		memset(buf, ' ', pad);
	}
	buf[n + pad] = '\0';
	return buf;
}

#define PADR(expr, buf, width) pad_cols(expr, sizeof(buf), width, false)

static void upper(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
	dst[i] = '\0';
}

void top_format_colhdr(char *buf, size_t len, enum top_col sort_col, bool desc)
{
	size_t pos = 0;
	int col = 0;

	buf[0] = '\0';
	for (int c = 0; c < COL_COUNT; c++) {
		char title[32];

		snprintf(title, sizeof(title), "%s%s", top_cols[c].title,
			 c == (int)sort_col ? (desc ? "▼" : "▲") : "");
		put_cell(buf, len, &pos, &col, title, top_cols[c].width, top_cols[c].left);
	}
}

void top_format_row(const struct top_row *r, char *buf, size_t len, int *alert_col)
{
	char cells[COL_COUNT][48];
	size_t pos = 0;
	int col = 0;

	snprintf(cells[COL_PID], 48, "%u", r->pid);
	snprintf(cells[COL_COMM], 48, "%s", r->comm[0] ? r->comm : "?");
	snprintf(cells[COL_CPU], 48, "%.1f", r->cpu_pct);
	fmt_latency(r->runq_p99, cells[COL_RUNQ], 48);
	fmt_rate(r->sysc_rate, cells[COL_SYSC], 48);
	fmt_latency(r->sys_p99, cells[COL_SYS_P99], 48);
	if (r->has_sys_top) {
		char nrbuf[SYSCALL_NAME_LEN];

		snprintf(cells[COL_SYS_TOP], 48, "%s",
			 syscall_name(r->sys_top_nr, nrbuf, sizeof(nrbuf)));
	} else {
		snprintf(cells[COL_SYS_TOP], 48, "-");
	}
	fmt_rate(r->req_rate, cells[COL_REQ_RATE], 48);
	fmt_latency(r->req_p99, cells[COL_REQ_P99], 48);
	fmt_latency(r->conn_p99, cells[COL_CONN], 48);
	fmt_latency(r->rtt_p50, cells[COL_RTT], 48);
	snprintf(cells[COL_RETR], 48, "%llu", (unsigned long long)r->retrans);
	fmt_rate(r->fault_rate, cells[COL_FAULTS], 48);
	fmt_bytes(r->rss_bytes, cells[COL_RSS], 48);
	if (r->tier)
		upper(cells[COL_ALERT], 48, tier_name(r->tier));
	else
		snprintf(cells[COL_ALERT], 48, "-");
	buf[0] = '\0';
	for (int c = 0; c < COL_COUNT; c++) {
		if (c == COL_ALERT && alert_col)
			*alert_col = col + (col > 0);
		put_cell(buf, len, &pos, &col, cells[c], top_cols[c].width, top_cols[c].left);
	}
}

static void format_seconds(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.2fs", (double)ns / 1e9);
}

/* Local wall-clock time the window ended, "HH:MM:SS". */
static void window_end(const struct snapshot *s, char *buf, size_t len)
{
	time_t t = (time_t)((s->started_at_ns + s->duration_ns) / 1000000000ULL);
	struct tm tm;

	if (!s->started_at_ns || !localtime_r(&t, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%H:%M:%S", &tm);
}

/* "probes unavailable: tcp (attach failed: ...)": what the window lacks
 * because a probe set could not load; no line when every set loaded. */
static void format_unavailable(const struct snapshot *s, struct top_lines *out)
{
	char text[sizeof(((struct top_line *)0)->text)] = "probes unavailable:";
	size_t used = strlen(text);
	const char *sep = " ";

	if (!s->probes_failed)
		return;
	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS && used < sizeof(text); i++) {
		if (!(s->probes_failed & (1u << i)))
			continue;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s%s%s%s", sep,
					 snapshot_probe_name(i), s->probe_errors[i][0] ? " (" : "",
					 s->probe_errors[i], s->probe_errors[i][0] ? ")" : "");
		sep = ", ";
	}
	top_lines_add(out, STYLE_NORMAL, "%s", text);
}

void top_format_header(const struct top_frame *f, struct top_lines *out)
{
	const struct top_totals *t = &f->model->totals;
	char interval[32], window[32], sysc[32], req[32], sampled[32] = "";
	char at[16];
	struct top_line *l;

	format_seconds(f->interval_ns, interval, sizeof(interval));
	format_seconds(f->snap->duration_ns, window, sizeof(window));
	window_end(f->snap, at, sizeof(at));
	top_lines_add(out, STYLE_TITLE,
		      "hivemon top  host %s  kernel %s  interval %s  window %s to %s  %s%s",
		      f->snap->host[0] ? f->snap->host : "?",
		      f->snap->kernel[0] ? f->snap->kernel : "?", interval, window, at,
		      f->source ? f->source : "", f->view && f->view->paused ? "  [PAUSED]" : "");
	/* --tcp-sample: request counts are estimates from 1 in N connections. */
	if (f->snap->tcp_sample > 1)
		snprintf(sampled, sizeof(sampled), " (1/%u conns)", f->snap->tcp_sample);
	l = top_lines_add(out, STYLE_NORMAL,
			  "procs %zu  syscalls/s %s  requests/s %s%s  lost events %llu  alerts:",
			  t->procs, fmt_rate(t->syscalls_per_s, sysc, sizeof(sysc)),
			  fmt_rate(t->requests_per_s, req, sizeof(req)), sampled,
			  (unsigned long long)t->lost_events);
	if (!l)
		return;
	for (int tier = TIER_EMERGENCY; tier >= TIER_INFO; tier--) {
		size_t used = strlen(l->text);
		char name[16];

		upper(name, sizeof(name), tier_name((enum top_tier)tier));
		if (t->alerts_by_tier[tier] && !l->span_len) {
			/* Colour the most severe non-zero tier. */
			l->span_col = (int)utf8_width(l->text) + 1;
			l->span_len = (int)strlen(name);
			l->span_tier = (enum top_tier)tier;
		}
		snprintf(l->text + used, sizeof(l->text) - used, " %s %zu", name,
			 t->alerts_by_tier[tier]);
	}
	format_unavailable(f->snap, out);
}

/* Status line under the header: sort, filter, transient message. */
void top_format_status(const struct top_frame *f, struct top_lines *out)
{
	const struct top_view *v = f->view;

	top_lines_add(out, STYLE_NORMAL, "sort %s %s  filter %s%s  showing %zu of %zu%s%s",
		      top_cols[v->sort_col].title,
		      top_cols[v->sort_col].desc_default != v->reverse ? "desc" : "asc",
		      v->filter[0] || v->editing_filter ? v->filter : "-",
		      v->editing_filter ? "_" : "", f->model->n, f->model->totals.procs,
		      f->status ? "  " : "", f->status ? f->status : "");
}

/* The @max busiest syscalls, in the report's order (by total time). */
static size_t syscalls_by_time(const struct proc_snapshot *p, const struct syscall_stat **out,
			       size_t max)
{
	size_t *order = report_syscall_order(p), n = 0;

	for (; order && n < p->n_syscalls && n < max; n++)
		out[n] = &p->syscalls[order[n]];
	free(order);
	return n;
}

static void format_syscall_table(const struct proc_snapshot *p, uint64_t window,
				 struct top_lines *out, const struct syscall_stat **sorted,
				 size_t n)
{
	top_lines_add(out, STYLE_COLHDR, "%-20s %9s %7s %7s %8s %8s %8s %8s", "SYSCALL", "CALLS/s",
		      "ERRORS", "WALL%", "p50", "p90", "p99", "MAX");
	for (size_t i = 0; i < n; i++) {
		const struct syscall_stat *sc = sorted[i];
		char name[SYSCALL_NAME_LEN], rate[16], p50[16], p90[16], p99[16], max[16];
		double wall = window ? 100.0 * (double)sc->lat.sum_ns / (double)window : 0;

		top_lines_add(
			out, STYLE_NORMAL, "%-20s %9s %7llu %6.1f%% %8s %8s %8s %8s",
			syscall_name(sc->nr, name, sizeof(name)),
			PADR(fmt_rate(window ? (double)sc->count * 1e9 / (double)window : 0, rate,
				      sizeof(rate)),
			     rate, 8),
			(unsigned long long)sc->errors, wall,
			PADR(fmt_latency(hist_quantile(&sc->lat, 0.5), p50, sizeof(p50)), p50, 8),
			PADR(fmt_latency(hist_quantile(&sc->lat, 0.9), p90, sizeof(p90)), p90, 8),
			PADR(fmt_latency(hist_quantile(&sc->lat, 0.99), p99, sizeof(p99)), p99, 8),
			PADR(fmt_latency(sc->lat.max_ns, max, sizeof(max)), max, 8));
	}
	if (!n)
		top_lines_add(out, STYLE_NORMAL, "(no syscalls in this window)");
}

void top_format_hist(const struct hist *h, const char *title, int width, struct top_lines *out)
{
	uint64_t groups[HIST_OCTAVES] = {0}, peak = 0;
	int lo = -1, hi = -1;

	for (uint32_t i = 0; i < h->n; i++) {
		int g = (int)hist_slot_octave(h->bins[i].slot);

		groups[g] += h->bins[i].count;
		if (lo < 0 || g < lo)
			lo = g;
		if (g > hi)
			hi = g;
	}
	top_lines_add(out, STYLE_TITLE, "%s (%llu samples)", title, (unsigned long long)h->count);
	if (lo < 0)
		return;
	for (int g = lo; g <= hi; g++)
		if (groups[g] > peak)
			peak = groups[g];
	for (int g = lo; g <= hi; g++) {
		char from[16], to[16], bar[HIST_BAR_WIDTH * 3 + 1];
		uint64_t low = hist_octave_lowest((uint32_t)g);
		uint64_t high = hist_octave_lowest((uint32_t)g + 1);
		int cells = (int)((groups[g] * (uint64_t)width + peak - 1) / peak);

		if (cells > width)
			cells = width;
		memset(bar, '#', (size_t)cells);
		bar[cells] = '\0';
		if (low)
			fmt_latency(low, from, sizeof(from));
		else
			snprintf(from, sizeof(from), "0");
		fmt_latency(high, to, sizeof(to));
		top_lines_add(out, STYLE_BAR, "  %s .. %s |%-*s %llu", PADR(from, from, 8),
			      pad_cols(to, sizeof(to), 8, true), width, bar,
			      (unsigned long long)groups[g]);
	}
}

static void format_tcp(const struct proc_snapshot *p, uint32_t tcp_sample, uint64_t window,
		       struct top_lines *out)
{
	char ep[ENDPOINT_STRLEN], a[16], b[16], c[16], rate[16], sampled[32] = "";
	/* --tcp-sample holds for every process, and the probe may follow fewer
	 * connections of a busy one: the rougher of the two is the estimate. */
	uint32_t one_in = p->tcp.sample > tcp_sample ? p->tcp.sample : tcp_sample;

	if (one_in > 1)
		snprintf(sampled, sizeof(sampled), ", 1/%u conns", one_in);
	top_lines_add(out, STYLE_TITLE, "TCP (retransmits %llu%s)",
		      (unsigned long long)p->tcp.retransmits, sampled);
	top_lines_add(out, STYLE_COLHDR, "%-8s %-28s %9s %8s %8s %8s", "KIND", "ENDPOINT",
		      "COUNT/s", "p50", "p99", "MAX");
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];
		bool server = r->role == TCP_ROLE_SERVER;

		top_lines_add(out, STYLE_NORMAL, "%-8s %-28s %9s %8s %8s %8s",
			      server ? "serve" : "request",
			      endpoint_format(server ? &r->local : &r->remote, ep, sizeof(ep)),
			      PADR(fmt_rate(window ? (double)r->count * 1e9 / (double)window : 0,
					    rate, sizeof(rate)),
				   rate, 8),
			      PADR(fmt_latency(hist_quantile(&r->lat, 0.5), a, sizeof(a)), a, 8),
			      PADR(fmt_latency(hist_quantile(&r->lat, 0.99), b, sizeof(b)), b, 8),
			      PADR(fmt_latency(r->lat.max_ns, c, sizeof(c)), c, 8));
	}
	for (int kind = 0; kind < 2; kind++) {
		const struct tcp_remote_stat *st = kind ? p->tcp.rtt : p->tcp.connect;
		size_t n = kind ? p->tcp.n_rtt : p->tcp.n_connect;

		for (size_t i = 0; i < n; i++)
			top_lines_add(
				out, STYLE_NORMAL, "%-8s %-28s %9s %8s %8s %8s",
				kind ? "rtt" : "connect",
				endpoint_format(&st[i].remote, ep, sizeof(ep)),
				PADR(fmt_rate(window ? (double)st[i].count * 1e9 / (double)window
						     : 0,
					      rate, sizeof(rate)),
				     rate, 8),
				PADR(fmt_latency(hist_quantile(&st[i].lat, 0.5), a, sizeof(a)), a,
				     8),
				PADR(fmt_latency(hist_quantile(&st[i].lat, 0.99), b, sizeof(b)), b,
				     8),
				PADR(fmt_latency(st[i].lat.max_ns, c, sizeof(c)), c, 8));
	}
	if (!p->tcp.n_requests && !p->tcp.n_rtt && !p->tcp.n_connect)
		top_lines_add(out, STYLE_NORMAL, "(no TCP activity in this window)");
}

static void format_slow(const struct proc_snapshot *p, struct top_lines *out)
{
	struct slow_call calls[PROC_MAX_SLOW];
	size_t n = p->n_slow;

	memcpy(calls, p->slow, n * sizeof(calls[0]));
	for (size_t i = 1; i < n; i++) /* slowest first */
		for (size_t j = i; j > 0 && calls[j - 1].latency_ns < calls[j].latency_ns; j--) {
			struct slow_call t = calls[j];

			calls[j] = calls[j - 1];
			calls[j - 1] = t;
		}
	top_lines_add(out, STYLE_TITLE, "Slowest calls");
	top_lines_add(out, STYLE_COLHDR, "%-8s %-20s %9s %8s  %s", "TID", "SYSCALL", "LATENCY",
		      "RET", "ENDED (UTC)");
	for (size_t i = 0; i < n; i++) {
		char name[SYSCALL_NAME_LEN], lat[16], when[32] = "-";
		time_t secs = (time_t)(calls[i].end_ns / 1000000000ULL);
		struct tm tm;

		if (calls[i].end_ns && gmtime_r(&secs, &tm))
			snprintf(when, sizeof(when), "%02d:%02d:%02d.%03llu", tm.tm_hour, tm.tm_min,
				 tm.tm_sec,
				 (unsigned long long)(calls[i].end_ns % 1000000000ULL / 1000000));
		top_lines_add(out, STYLE_NORMAL, "%-8u %-20s %9s %8lld  %s", calls[i].tid,
			      syscall_name(calls[i].nr, name, sizeof(name)),
			      PADR(fmt_latency(calls[i].latency_ns, lat, sizeof(lat)), lat, 9),
			      (long long)calls[i].ret, when);
	}
	if (!n)
		top_lines_add(out, STYLE_NORMAL, "(none above the slow-call threshold)");
}

void top_format_detail(const struct top_frame *f, uint32_t pid, struct top_lines *out)
{
	const struct proc_snapshot *p = snapshot_find(f->snap, pid);
	const struct syscall_stat *sorted[64];
	uint64_t window = f->snap->duration_ns;
	struct top_row row;
	char rss[16], runq[16], sysc[16], flt[16], name[SYSCALL_NAME_LEN], title[64];
	size_t n;

	if (!p) {
		top_lines_add(out, STYLE_TITLE, "process %u is not in this window", pid);
		return;
	}
	top_row_compute(&row, p, window, f->alerts);
	top_lines_add(out, STYLE_TITLE, "PID %u  %s  cgroup %s%s", p->pid, p->comm,
		      p->cgroup && *p->cgroup ? p->cgroup : "-", p->exited ? "  (exited)" : "");
	top_lines_add(out, STYLE_NORMAL,
		      "CPU %.1f%%  runq p99 %s  syscalls/s %s  faults/s %s  RSS %s  alert %s",
		      row.cpu_pct, fmt_latency(row.runq_p99, runq, sizeof(runq)),
		      fmt_rate(row.sysc_rate, sysc, sizeof(sysc)),
		      fmt_rate(row.fault_rate, flt, sizeof(flt)),
		      fmt_bytes(row.rss_bytes, rss, sizeof(rss)),
		      row.tier ? tier_name(row.tier) : "-");
	top_lines_add(out, STYLE_NORMAL, "%s", "");
	n = syscalls_by_time(p, sorted, sizeof(sorted) / sizeof(sorted[0]));
	format_syscall_table(p, window, out, sorted, n);
	for (size_t i = 0; i < n && i < 2; i++) {
		top_lines_add(out, STYLE_NORMAL, "%s", "");
		snprintf(title, sizeof(title), "%s latency",
			 syscall_name(sorted[i]->nr, name, sizeof(name)));
		top_format_hist(&sorted[i]->lat, title, HIST_BAR_WIDTH, out);
	}
	if (p->sched.runq.count) {
		top_lines_add(out, STYLE_NORMAL, "%s", "");
		top_format_hist(&p->sched.runq, "run-queue latency", HIST_BAR_WIDTH, out);
	}
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		char ep[ENDPOINT_STRLEN];
		const struct tcp_request_stat *r = &p->tcp.requests[i];

		if (!r->count)
			continue;
		snprintf(title, sizeof(title), "request latency (%s %s)",
			 r->role == TCP_ROLE_SERVER ? "serving" : "to",
			 endpoint_format(r->role == TCP_ROLE_SERVER ? &r->local : &r->remote, ep,
					 sizeof(ep)));
		top_lines_add(out, STYLE_NORMAL, "%s", "");
		top_format_hist(&r->lat, title, HIST_BAR_WIDTH, out);
	}
	top_lines_add(out, STYLE_NORMAL, "%s", "");
	format_tcp(p, f->snap->tcp_sample, window, out);
	top_format_app_proc(p, window, out);
	top_lines_add(out, STYLE_NORMAL, "%s", "");
	format_slow(p, out);
}

void top_format_alerts(const struct top_alerts *alerts, struct top_lines *out)
{
	size_t n = alerts ? alerts->n : 0;

	top_lines_add(out, STYLE_TITLE, "Firing alerts (%zu)", n);
	top_lines_add(out, STYLE_COLHDR, "%-10s %-24s %-12s %-12s %-21s %s", "TIER", "ALERT",
		      "VALUE", "THRESHOLD", "SINCE", "LABELS");
	for (int tier = TIER_EMERGENCY; tier >= TIER_INFO; tier--)
		for (size_t i = 0; i < n; i++) {
			const struct top_alert *a = &alerts->items[i];
			struct top_line *l;
			char name[16];

			if ((int)a->tier != tier)
				continue;
			upper(name, sizeof(name), tier_name(a->tier));
			l = top_lines_add(out, STYLE_NORMAL, "%-10s %-24s %-12s %-12s %-21s %s",
					  name, a->name, a->value, a->threshold,
					  a->starts_at[0] ? a->starts_at : "-", a->labels);
			if (l) {
				l->span_col = 0;
				l->span_len = (int)strlen(name);
				l->span_tier = a->tier;
			}
		}
	if (!n)
		top_lines_add(out, STYLE_NORMAL,
			      "(none; alert state comes from a running `hivemon run` daemon)");
}

void top_format_help(struct top_lines *out)
{
	static const char *const keys[][2] = {
		{"q", "quit"},
		{"Up/Down, j/k", "move the selection (PgUp/PgDn, Home/End)"},
		{"s, Left/Right", "choose the sort column"},
		{"r", "reverse the sort order"},
		{"/", "filter by command name (Enter keeps it, Esc clears it)"},
		{"Enter", "detail view of the selected process (Esc goes back)"},
		{"a", "firing alerts pane"},
		{"o", "connection pools pane (busy, rate, p95, verdict, size)"},
		{"g", "groups pane: the daemon's rebalanced groups"},
		{"A", "application protocols pane: HTTP routes, SQL, Redis per service"},
		{"p", "pause / resume refreshing"},
		{"h, ?", "this help"},
	};

	top_lines_add(out, STYLE_TITLE, "hivemon top keys");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		top_lines_add(out, STYLE_NORMAL, "  %-16s %s", keys[i][0], keys[i][1]);
	top_lines_add(out, STYLE_NORMAL, "%s", "");
	top_lines_add(out, STYLE_NORMAL,
		      "Columns: CPU%% on-CPU time of one core; RUNQp99 run-queue delay; SYSC/s "
		      "syscalls per second;");
	top_lines_add(out, STYLE_NORMAL,
		      "SYSp99 p99 latency of SYSCALL, the syscall with the most total time; "
		      "REQ/s, REQp99 TCP requests");
	top_lines_add(out, STYLE_NORMAL,
		      "(served, or sent when the process serves none); CONNp99 connect latency; "
		      "RTT median TCP RTT;");
	top_lines_add(out, STYLE_NORMAL,
		      "RETR retransmits in the window; FLT/s page faults; RSS resident memory; "
		      "ALERT highest firing tier.");
}

static char *rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

int top_render_plain(const struct top_frame *f, FILE *out)
{
	struct top_lines lines;
	char buf[TOP_LINE_MAX];
	enum top_col sort = f->view ? f->view->sort_col : COL_CPU;
	bool reverse = f->view && f->view->reverse;

	top_lines_init(&lines);
	top_format_header(f, &lines);
	for (size_t i = 0; i < lines.n; i++)
		fprintf(out, "%s\n", lines.items[i].text);
	top_lines_free(&lines);
	top_format_colhdr(buf, sizeof(buf), sort, top_cols[sort].desc_default != reverse);
	fprintf(out, "%s\n", rtrim(buf));
	for (size_t i = 0; i < f->model->n; i++) {
		top_format_row(&f->model->rows[i], buf, sizeof(buf), NULL);
		fprintf(out, "%s\n", rtrim(buf));
	}
	top_app_print_plain(f, out);
	return ferror(out) ? -EIO : 0;
}
