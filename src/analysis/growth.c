// SPDX-License-Identifier: GPL-2.0
/*
 * Memory growth: the least-squares line through a process's private memory,
 * one point per interval of the window (core/trend.h). A leak is a steady
 * climb: a slope above the limit with the points close to the line (r²),
 * over long enough a span. A single allocation step or a sawtooth (caches
 * filling and trimming) fits a line badly and is left alone.
 */
#include <errno.h>

#include "analysis/analysis_internal.h"
#include "util/units.h"

/* A leak that reaches the critical limit within this long is a warning. */
#define GROWTH_WARN_WITHIN_S 3600.0

static int check_growth(const struct proc_snapshot *p, const struct analysis_limits *lim,
			struct findings *out)
{
	char rate[UNITS_BUFLEN], now[UNITS_BUFLEN], limit[UNITS_BUFLEN], eta[UNITS_BUFLEN];
	struct trend_line line;
	double left, eta_s;
	struct finding *f;

	if (p->exited || !trend_fit_line(&p->alloc.anon_trend, &line) ||
	    line.per_s < lim->growth_min_rate || line.r2 < lim->growth_min_r2 ||
	    line.span_s < lim->growth_min_span_s)
		return 0;
	left = (double)lim->rss_critical - (double)p->alloc.rss_anon;
	eta_s = left > 0 ? left / line.per_s : 0;
	struct finding_spec spec = {
		eta_s < GROWTH_WARN_WITHIN_S ? FINDING_WARNING : FINDING_INFO,
		"memory-growth",
		"mem.anon",
		"a leak or a cache without bounds: compare outstanding allocations over time "
		"(hivemon report --alloc --pid PID), and alert ahead with `predict` on mem.anon",
		(double)p->alloc.rss_anon,
		(double)lim->rss_critical,
	};
	format_bytes((uint64_t)line.per_s, rate, sizeof(rate));
	format_bytes(p->alloc.rss_anon, now, sizeof(now));
	format_bytes(lim->rss_critical, limit, sizeof(limit));
	if (left > 0)
		f = finding_add(out, p, &spec,
				"private memory grows %s/s (r² %.2f over %.0fs), now %s: reaches "
				"%s in ~%s",
				rate, line.r2, line.span_s, now, limit,
				format_ns((uint64_t)(eta_s * 1e9), eta, sizeof(eta)));
	else
		f = finding_add(out, p, &spec,
				"private memory grows %s/s (r² %.2f over %.0fs), now %s", rate,
				line.r2, line.span_s, now);
	if (!f)
		return -ENOMEM;
	f->growth_per_s = line.per_s;
	f->growth_r2 = line.r2;
	f->growth_span_s = line.span_s;
	f->growth_eta_s = eta_s;
	return 0;
}

int analysis_growth(const struct snapshot *snap, const struct analysis_limits *lim,
		    struct findings *out)
{
	for (size_t i = 0; i < snap->n_procs; i++)
		if (check_growth(&snap->procs[i], lim, out))
			return -ENOMEM;
	return 0;
}
