// SPDX-License-Identifier: GPL-2.0
/*
 * The pools pane of `hivemon top`: every client -> endpoint pair of the
 * interval with its busy connections (Little: exchange time over the
 * interval), requests/s, p95, connects/s, and the verdict and size of
 * core/pool_tune.h. top does not count open sockets, so a pool here is
 * ok or no-pooling; `hivemon pools` says whether it is pinned or oversized.
 */
#include <string.h>

#include "core/pool_tune.h"
#include "top/top_render.h"
#include "util/units.h"

static double connects_per_s(const struct proc_snapshot *p, const struct endpoint *ep,
			     double window_s)
{
	for (size_t i = 0; i < p->tcp.n_connect; i++)
		if (endpoint_equal(&p->tcp.connect[i].remote, ep))
			return p->tcp.connect[i].count / window_s;
	return 0;
}

static void pool_line(const struct proc_snapshot *p, const struct tcp_request_stat *r,
		      double window_s, struct top_lines *out)
{
	static const struct pool_bounds bounds = {5, 50};
	struct pool_measure m = {.window_s = window_s};
	struct pool_tune_state state = {0};
	char ep[ENDPOINT_STRLEN], p95[16];
	struct pool_decision d;

	m.rate = r->count / window_s;
	m.busy_mean = m.busy_peak = r->lat.sum_ns / 1e9 / window_s;
	m.p50_ns = hist_quantile(&r->lat, 0.50);
	m.p95_ns = hist_quantile(&r->lat, 0.95);
	m.connects_per_s = connects_per_s(p, &r->remote, window_s);
	pool_tune_decide(&m, &bounds, &state, &d);
	top_lines_add(out, STYLE_NORMAL, "  %-8u %-16s %-22s %6.1f %8.1f %8s %7.1f %-10s %4u",
		      p->pid, p->comm, endpoint_format(&r->remote, ep, sizeof(ep)), m.busy_mean,
		      m.rate, format_ns(m.p95_ns, p95, sizeof(p95)), m.connects_per_s,
		      pool_verdict_name(d.verdict), d.recommended);
}

void top_format_pools(const struct top_frame *f, struct top_lines *out)
{
	double window_s = f->snap ? f->snap->duration_ns / 1e9 : 0;
	size_t n = 0;

	top_lines_add(out, STYLE_TITLE, "Connection pools (client -> endpoint, this interval)");
	top_lines_add(out, STYLE_COLHDR, "  %-8s %-16s %-22s %6s %8s %8s %7s %-10s %4s", "PID",
		      "COMM", "ENDPOINT", "BUSY", "REQ/s", "p95", "CONN/s", "VERDICT", "SIZE");
	for (size_t i = 0; window_s > 0 && i < f->snap->n_procs; i++) {
		const struct proc_snapshot *p = &f->snap->procs[i];

		for (size_t j = 0; j < p->tcp.n_requests; j++) {
			if (p->tcp.requests[j].role != TCP_ROLE_CLIENT || !p->tcp.requests[j].count)
				continue;
			pool_line(p, &p->tcp.requests[j], window_s, out);
			n++;
		}
	}
	if (!n)
		top_lines_add(out, STYLE_NORMAL, "(no client requests in this interval)");
	top_lines_add(out, STYLE_NORMAL, "%s", "");
	top_lines_add(out, STYLE_NORMAL,
		      "BUSY connections with a request in flight (mean); SIZE Little on the p95 "
		      "x 1.25, 5-50;");
	top_lines_add(out, STYLE_NORMAL,
		      "open connections are not counted here: `hivemon pools` tells pinned and "
		      "oversized pools.");
}
