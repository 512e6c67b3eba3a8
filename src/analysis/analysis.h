/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: analysis. Pure judgement over snapshots: what is wrong and what to do.
 * No I/O; includes core and util.
 *
 * Bottleneck analysis: reads one snapshot and says, for the host, each
 * service and each process, what is wrong and what to do about it, down to
 * the cause (docs/analysis.md). Pure: no I/O, no global state, so it is
 * tested on fixed snapshots.
 */
#ifndef HIVEMON_ANALYSIS_H
#define HIVEMON_ANALYSIS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

enum finding_severity { FINDING_INFO, FINDING_WARNING, FINDING_CRITICAL };

/* The limits findings are judged against; defaults from DESIGN.md. */
struct analysis_limits {
	uint64_t api_warning_ns, api_critical_ns; /* server request p99 */
	uint64_t db_slow_ns;			  /* client request p99 to a database */
	uint64_t rss_warning, rss_critical;	  /* bytes */
	double cpu_warning, cpu_critical;	  /* % of one core */
	double runq_share_warning;		  /* fraction of the window spent waiting */
	double error_ratio_warning;		  /* failed / all calls of a syscall */
	uint64_t min_calls;			  /* fewer calls are not judged */
	unsigned int pool_min, pool_max;	  /* bounds of recommended pool sizes */
	unsigned int starved_for_host;		  /* processes starved at once: a host finding */
	uint64_t min_errors;			  /* fewer failures are not judged */
	double lock_share_warning;		  /* threads' time waiting in futex */
	double chain_share;	  /* an upstream explaining this much of a request */
	double growth_min_rate;	  /* private bytes per second worth a finding */
	double growth_min_r2;	  /* how straight the growth must be */
	double growth_min_span_s; /* over at least this many seconds */
	uint64_t slow_query_ns;	  /* [agent] slow_query: a slow statement */
};

/* One step from a symptom to its cause: @service spends @share of the
 * previous step's time here, measured by @metric = @value. */
struct chain_link {
	char service[SERVICE_NAME_LEN];
	double share;	    /* 0..1 */
	const char *metric; /* a metric name, or "time.<kind>" of the breakdown */
	double value;
};

#define FINDING_CHAIN_MAX 6

/* A statement a slow-query finding names (normalized SQL, core/app_text.h). */
struct finding_query {
	uint64_t fingerprint;
	char *text; /* owned */
	uint64_t calls, errors, total_ns, p99_ns;
	double share; /* of the service's statement time, 0..1 */
};

#define FINDING_MAX_QUERIES 3

struct finding {
	uint32_t pid; /* 0: a finding about the host */
	char comm[PROC_COMM_LEN];
	char service[SERVICE_NAME_LEN]; /* the process's service; "" for the host */
	enum finding_severity severity;
	const char *kind;	    /* stable identifier, e.g. "cpu-starved" */
	char summary[320];	    /* what is wrong, with the numbers */
	const char *recommendation; /* what to do about it */
	/* The evidence, in the unit of @metric (core/metrics.h: ns, bytes, %,
	 * per second, a count), so it compares with an alert rule on it. */
	double value, threshold;
	const char *metric;			    /* a metric name metric_parse() accepts */
	struct chain_link chain[FINDING_CHAIN_MAX]; /* symptom first, cause last */
	unsigned int n_chain;
	/* memory-growth: private bytes per second, the fit's r² and span, and
	 * the seconds until the critical limit at that rate (0: over it) */
	double growth_per_s, growth_r2, growth_span_s, growth_eta_s;
	uint64_t since_ns; /* CLOCK_REALTIME it first held; 0: not tracked */
	/* slow-query: its top statements by total time, most first (owned). */
	struct finding_query *queries;
	size_t n_queries;
	/* Owned text @recommendation points to when it is built at run time
	 * (finding_set_recommendation), NULL otherwise. */
	char *owned_recommendation;
};

struct findings {
	struct finding *items; /* owned; most severe first */
	size_t n, cap;
};

void analysis_default_limits(struct analysis_limits *lim);
/* The default limits, with @snap's slow-statement threshold when it has one. */
void analysis_limits_for(const struct snapshot *snap, struct analysis_limits *lim);
/* Replaces @out's content with the findings of @snap. 0 or -ENOMEM. */
int analysis_run(const struct snapshot *snap, const struct analysis_limits *lim,
		 struct findings *out);
void findings_free(struct findings *f);
/* Appends a zeroed finding; NULL on ENOMEM. */
struct finding *findings_push(struct findings *f);
/* Makes @text (copied) the recommendation of @f; -ENOMEM leaves it as it was. */
int finding_set_recommendation(struct finding *f, const char *text);
const char *finding_severity_name(enum finding_severity s);
/* The "findings" array of the report (new reference). */
json_t *findings_to_json(const struct findings *f);

#endif
