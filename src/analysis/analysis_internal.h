/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the analyzer's files share: how a finding is added, and the
 * service-level analyses analysis_run() calls after its per-process rules.
 * Not for other layers: they see analysis.h only.
 */
#ifndef HIVEMON_ANALYSIS_INTERNAL_H
#define HIVEMON_ANALYSIS_INTERNAL_H

#include <stdarg.h>

#include "analysis/analysis.h"
#include "core/services.h"

struct finding_spec {
	enum finding_severity severity;
	const char *kind, *metric, *recommendation;
	double value, threshold;
};

/* Appends a finding about @p (NULL: the host) with the summary @fmt; the
 * new finding, or NULL on ENOMEM. */
struct finding *finding_add(struct findings *out, const struct proc_snapshot *p,
			    const struct finding_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct finding *finding_vadd(struct findings *out, const struct proc_snapshot *p,
			     const struct finding_spec *spec, const char *fmt, va_list ap);
/* Adds chain[], since and growth to @obj, the finding's JSON, where set. */
void finding_extras_json(const struct finding *f, json_t *obj);
/* Names the finding after @svc rather than one of its processes. */
void finding_set_service(struct finding *f, const char *svc);

/* Where each service's time goes: a lock-contention finding (breakdown.c). */
int analysis_breakdowns(const struct snapshot *snap, const struct services *svcs,
			const struct analysis_limits *lim, struct findings *out);
/* Slow responses per service, with the chain of local services that
 * explains them (chain.c). */
int analysis_chains(const struct snapshot *snap, const struct services *svcs,
		    const struct analysis_limits *lim, struct findings *out);
/* Private memory growing steadily over the window (growth.c). */
int analysis_growth(const struct snapshot *snap, const struct analysis_limits *lim,
		    struct findings *out);
/* Most severe first, keeping the order of findings of one severity. */
void findings_sort_stable(struct findings *f);
/* One finding of a kind per service: the worst process's, saying how many
 * more processes of the service have it (dedupe.c). */
void findings_collapse_services(struct findings *f);

#endif
