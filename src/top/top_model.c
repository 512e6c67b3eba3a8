// SPDX-License-Identifier: GPL-2.0
/* Rows of `hivemon top`: per-process figures, sorting, filtering, units. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "top/top_model.h"
#include "util/units.h"

const struct top_col_info top_cols[COL_COUNT] = {
	[COL_PID] = {"PID", 7, false, true, false},
	[COL_COMM] = {"COMM", 15, true, true, false},
	[COL_CPU] = {"CPU%", 6, false, true, true},
	[COL_RUNQ] = {"RUNQp99", 8, false, true, true},
	[COL_SYSC] = {"SYSC/s", 7, false, true, true},
	[COL_SYS_P99] = {"SYSp99", 8, false, true, true},
	[COL_SYS_TOP] = {"SYSCALL", 16, true, false, false},
	[COL_REQ_RATE] = {"REQ/s", 7, false, true, true},
	[COL_REQ_P99] = {"REQp99", 8, false, true, true},
	[COL_CONN] = {"CONNp99", 8, false, true, true},
	[COL_RTT] = {"RTT", 8, false, true, true},
	[COL_RETR] = {"RETR", 5, false, true, true},
	[COL_FAULTS] = {"FLT/s", 7, false, true, true},
	[COL_RSS] = {"RSS", 7, false, true, true},
	[COL_ALERT] = {"ALERT", 9, true, true, true},
};

void top_model_init(struct top_model *m)
{
	memset(m, 0, sizeof(*m));
}

void top_model_free(struct top_model *m)
{
	free(m->rows);
	top_model_init(m);
}

static double per_second(uint64_t count, uint64_t window_ns)
{
	return window_ns ? (double)count * 1e9 / (double)window_ns : 0;
}

/* p-quantile over several histograms without keeping the merged one. */
static uint64_t merged_quantile(const struct hist *const *hists, size_t n, double q)
{
	struct hist merged;
	uint64_t v;

	if (n == 1)
		return hist_quantile(hists[0], q);
	hist_init(&merged);
	for (size_t i = 0; i < n; i++)
		if (hist_merge(&merged, hists[i]))
			break; /* ENOMEM: the quantile of what merged is still an estimate */
	v = hist_quantile(&merged, q);
	hist_free(&merged);
	return v;
}

static uint64_t remotes_quantile(const struct tcp_remote_stat *st, size_t n, double q)
{
	const struct hist *hists[64];
	size_t k = 0;

	for (size_t i = 0; i < n && k < 64; i++)
		if (st[i].count)
			hists[k++] = &st[i].lat;
	return k ? merged_quantile(hists, k, q) : 0;
}

/* A server's figure is what it serves; a pure client's is what it waits for. */
static void requests_figures(struct top_row *row, const struct proc_snapshot *p, uint64_t window_ns)
{
	const struct hist *hists[64];
	enum tcp_role role = TCP_ROLE_CLIENT;
	uint64_t count = 0;
	size_t k = 0;

	for (size_t i = 0; i < p->tcp.n_requests; i++)
		if (p->tcp.requests[i].role == TCP_ROLE_SERVER && p->tcp.requests[i].count)
			role = TCP_ROLE_SERVER;
	for (size_t i = 0; i < p->tcp.n_requests && k < 64; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];

		if (r->role != role || !r->count)
			continue;
		count += r->count;
		hists[k++] = &r->lat;
	}
	row->req_rate = per_second(count, window_ns);
	row->req_p99 = k ? merged_quantile(hists, k, 0.99) : 0;
}

static enum top_tier alert_tier_of(const struct top_alerts *alerts, const struct proc_snapshot *p)
{
	enum top_tier tier = TIER_NONE;

	for (size_t i = 0; alerts && i < alerts->n; i++) {
		const struct top_alert *a = &alerts->items[i];
		bool match = a->pid ? a->pid == p->pid : (a->comm[0] && !strcmp(a->comm, p->comm));

		if (match && a->tier > tier)
			tier = a->tier;
	}
	return tier;
}

void top_row_compute(struct top_row *row, const struct proc_snapshot *p, uint64_t window_ns,
		     const struct top_alerts *alerts)
{
	uint64_t calls = 0;
	const struct syscall_stat *top = NULL;

	memset(row, 0, sizeof(*row));
	row->pid = p->pid;
	memcpy(row->comm, p->comm, PROC_COMM_LEN);
	row->comm[PROC_COMM_LEN - 1] = '\0';
	row->cpu_pct = window_ns ? 100.0 * (double)p->sched.oncpu_ns / (double)window_ns : 0;
	row->runq_p99 = hist_quantile(&p->sched.runq, 0.99);
	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct syscall_stat *sc = &p->syscalls[i];

		calls += sc->count;
		if (sc->lat.count && (!top || sc->lat.sum_ns > top->lat.sum_ns))
			top = sc;
	}
	row->sysc_rate = per_second(calls, window_ns);
	if (top) {
		row->has_sys_top = true;
		row->sys_top_nr = top->nr;
		row->sys_p99 = hist_quantile(&top->lat, 0.99);
	}
	requests_figures(row, p, window_ns);
	row->conn_p99 = remotes_quantile(p->tcp.connect, p->tcp.n_connect, 0.99);
	row->rtt_p50 = remotes_quantile(p->tcp.rtt, p->tcp.n_rtt, 0.5);
	row->retrans = p->tcp.retransmits;
	row->fault_rate = per_second(p->alloc.page_faults, window_ns);
	row->rss_bytes = p->alloc.rss_bytes;
	row->tier = alert_tier_of(alerts, p);
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return n == 0;
}

bool top_filter_match(const struct top_filter *f, const struct proc_snapshot *p)
{
	bool ok;

	if (!f)
		return true;
	if (f->comm_substr && *f->comm_substr && !contains_nocase(p->comm, f->comm_substr))
		return false;
	ok = f->n_pids == 0;
	for (size_t i = 0; i < f->n_pids && !ok; i++)
		ok = f->pids[i] == p->pid;
	if (!ok)
		return false;
	ok = f->n_comms == 0;
	for (size_t i = 0; i < f->n_comms && !ok; i++)
		ok = !strncmp(f->comms[i], p->comm, PROC_COMM_LEN);
	if (!ok)
		return false;
	if (f->cgroup_prefix && *f->cgroup_prefix) {
		size_t n = strlen(f->cgroup_prefix);

		if (!p->cgroup || strncmp(p->cgroup, f->cgroup_prefix, n) ||
		    (p->cgroup[n] && p->cgroup[n] != '/'))
			return false;
	}
	return true;
}

static void add_totals(struct top_totals *t, const struct top_row *row)
{
	t->procs++;
	t->syscalls_per_s += row->sysc_rate;
	t->requests_per_s += row->req_rate;
}

int top_model_build(struct top_model *m, const struct snapshot *snap,
		    const struct top_alerts *alerts, const struct top_filter *filter)
{
	memset(&m->totals, 0, sizeof(m->totals));
	m->n = 0;
	if (snap->n_procs > m->cap) {
		struct top_row *rows = realloc(m->rows, snap->n_procs * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		m->rows = rows;
		m->cap = snap->n_procs;
	}
	for (size_t i = 0; i < snap->n_procs; i++) {
		struct top_row *row = &m->rows[m->n];

		top_row_compute(row, &snap->procs[i], snap->duration_ns, alerts);
		add_totals(&m->totals, row);
		if (top_filter_match(filter, &snap->procs[i]))
			m->n++;
	}
	m->totals.lost_events = snap->lost_events;
	for (size_t i = 0; alerts && i < alerts->n; i++)
		m->totals.alerts_by_tier[alerts->items[i].tier]++;
	return 0;
}

static int cmp_num(double a, double b)
{
	return (a > b) - (a < b);
}

/* Natural (ascending) order of two rows by @col. */
static int row_cmp(const struct top_row *a, const struct top_row *b, enum top_col col)
{
	switch (col) {
	case COL_PID:
		return cmp_num(a->pid, b->pid);
	case COL_COMM:
		return strcmp(a->comm, b->comm);
	case COL_CPU:
		return cmp_num(a->cpu_pct, b->cpu_pct);
	case COL_RUNQ:
		return cmp_num((double)a->runq_p99, (double)b->runq_p99);
	case COL_SYSC:
		return cmp_num(a->sysc_rate, b->sysc_rate);
	case COL_SYS_P99:
		return cmp_num((double)a->sys_p99, (double)b->sys_p99);
	case COL_REQ_RATE:
		return cmp_num(a->req_rate, b->req_rate);
	case COL_REQ_P99:
		return cmp_num((double)a->req_p99, (double)b->req_p99);
	case COL_CONN:
		return cmp_num((double)a->conn_p99, (double)b->conn_p99);
	case COL_RTT:
		return cmp_num((double)a->rtt_p50, (double)b->rtt_p50);
	case COL_RETR:
		return cmp_num((double)a->retrans, (double)b->retrans);
	case COL_FAULTS:
		return cmp_num(a->fault_rate, b->fault_rate);
	case COL_RSS:
		return cmp_num((double)a->rss_bytes, (double)b->rss_bytes);
	case COL_ALERT:
		return cmp_num(a->tier, b->tier);
	case COL_SYS_TOP:
	case COL_COUNT:
		break;
	}
	return 0;
}

struct sort_key {
	enum top_col col;
	bool desc;
};

/* qsort has no context argument; sort an index-free copy with a merge sort. */
static void merge_sort(struct top_row *rows, struct top_row *tmp, size_t n,
		       const struct sort_key *key)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(rows, tmp, mid, key);
	merge_sort(rows + mid, tmp, n - mid, key);
	while (i < mid && j < n) {
		int c = row_cmp(&rows[i], &rows[j], key->col);

		if (key->desc)
			c = -c;
		if (!c)
			c = cmp_num(rows[i].pid, rows[j].pid); /* stable, deterministic ties */
		tmp[k++] = c <= 0 ? rows[i++] : rows[j++];
	}
	while (i < mid)
		tmp[k++] = rows[i++];
	while (j < n)
		tmp[k++] = rows[j++];
	memcpy(rows, tmp, n * sizeof(*rows));
}

void top_model_sort(struct top_model *m, enum top_col col, bool reverse)
{
	struct sort_key key = {col, top_cols[col].desc_default != reverse};
	struct top_row *tmp;

	if (m->n < 2)
		return;
	tmp = malloc(m->n * sizeof(*tmp));
	if (!tmp)
		return; /* unsorted rows are still correct rows */
	merge_sort(m->rows, tmp, m->n, &key);
	free(tmp);
}

long top_model_find(const struct top_model *m, uint32_t pid)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->rows[i].pid == pid)
			return (long)i;
	return -1;
}

char *fmt_latency(uint64_t ns, char *buf, size_t len)
{
	return units_ns((double)ns, UNITS_TOP, buf, len);
}

char *fmt_rate(double v, char *buf, size_t len)
{
	if (v <= 0)
		snprintf(buf, len, "0");
	else if (v < 999.5)
		snprintf(buf, len, v < 99.95 ? "%.1f" : "%.0f", v);
	else if (v < 999500)
		units_sig3(v / 1e3, "k", buf, len);
	else
		units_sig3(v / 1e6, "M", buf, len);
	return buf;
}

char *fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	return units_bytes((double)bytes, UNITS_TOP, buf, len);
}

size_t utf8_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

size_t utf8_prefix(const char *s, size_t cols)
{
	size_t i = 0, w = 0;

	while (s[i]) {
		size_t next = i + 1;

		while (((unsigned char)s[next] & 0xC0) == 0x80)
			next++;
		if (++w > cols)
			break;
		i = next;
	}
	return i;
}
