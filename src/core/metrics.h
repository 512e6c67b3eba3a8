/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metric names of the contract (syscall.latency.p99, mem.rss, ...) and the
 * series they take from a window snapshot: one value per process and label
 * set (comm, pid, plus syscall / role / endpoint where the metric has them).
 * Shared by the alert rules and anything else that speaks metric names.
 */
#ifndef HIVEMON_METRICS_H
#define HIVEMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"

enum metric_source {
	METRIC_SYSCALL_LATENCY,
	METRIC_TCP_CONNECT_LATENCY,
	METRIC_TCP_RTT,
	METRIC_TCP_REQUEST_LATENCY,
	METRIC_TCP_RETRANSMITS,
	METRIC_SCHED_RUNQ_LATENCY,
	METRIC_CPU_USAGE,
	METRIC_MEM_RSS,
	METRIC_MEM_ANON, /* private anonymous resident bytes */
	METRIC_ALLOC_MALLOC_LATENCY,
	METRIC_ALLOC_RECLAIM_STALL,
	METRIC_CPU_WAIT,	      /* % of one core spent waiting for a CPU */
	METRIC_TCP_CONNECT_ERRORS,    /* failed connects per second */
	METRIC_SYSCALL_ERROR_RATIO,   /* % of a syscall's calls that failed */
	METRIC_POOL_RECOMMENDED_SIZE, /* connections a client's pool needs */
	METRIC_POOL_BUSY,	      /* connections with a request in flight (mean) */
	METRIC_POOL_VERDICT,	      /* core/pool_tune.h verdict: 0 ok .. 3 no-pooling */
	METRIC_HTTP_REQUEST_LATENCY,  /* per method, route, status class */
	METRIC_SQL_QUERY_LATENCY,     /* per normalized statement */
	METRIC_REDIS_COMMAND_LATENCY, /* per command */
	METRIC_CACHE_HIT_RATIO,	      /* % of cache reads answered (Redis GET ...) */
	METRIC_CACHE_MISS_RATIO,      /* % of them that missed: what alerts watch */
};

enum metric_stat {
	STAT_NONE, /* gauges and counters without a suffix */
	STAT_P50,
	STAT_P90,
	STAT_P99,
	STAT_MAX,
	STAT_AVG,
	STAT_RATE,
};

/* What a value (and a threshold written in the config) means. */
enum metric_unit {
	UNIT_NS,      /* durations: thresholds written as 150ms, 1s */
	UNIT_BYTES,   /* sizes: 80MB */
	UNIT_PERCENT, /* 70% (of one core) */
	UNIT_PER_SEC, /* events per second: plain numbers */
	UNIT_COUNT,   /* a plain number of things */
};

struct metric_id {
	enum metric_source source;
	enum metric_stat stat;
};

/* Labels of one series; absent ones are NULL. */
struct series_labels {
	const char *comm;
	const char *pid;
	const char *service; /* core/services.h */
	const char *syscall;
	const char *role;
	const char *endpoint;
	/* Application protocols (core/app_stats.h). */
	const char *method;
	const char *route;
	const char *status; /* HTTP status class: "2xx" ... "5xx" */
	const char *query;  /* normalized SQL */
	const char *command;
};

#define METRIC_LABELS_MAX 11

/* Parses "syscall.latency.p99"; 0 on success, -EINVAL for an unknown name. */
int metric_parse(const char *name, struct metric_id *id);
enum metric_unit metric_unit(const struct metric_id *id);
/* Whether series of @id carry label @label (comm, pid and service always). */
bool metric_has_label(const struct metric_id *id, const char *label);
/* Value of label @name, NULL when the series has none. */
const char *series_label(const struct series_labels *l, const char *name);
/* Names of the labels every series may carry, in canonical order. */
extern const char *const metric_label_names[METRIC_LABELS_MAX];

/* "30.2ms", "104.9MB", "85.3%", "12.5/s" for @value in @unit; returns @buf. */
char *metric_format(enum metric_unit unit, double value, char *buf, size_t len);

typedef void (*series_fn)(void *ctx, const struct series_labels *labels, double value);

/*
 * Calls @fn for every series of @id in @window (several merged intervals).
 * Processes that exited during the window have no series: their alerts
 * resolve. Series without samples are skipped, not reported as zero.
 */
void metrics_foreach(const struct snapshot *window, const struct metric_id *id, series_fn fn,
		     void *ctx);

#endif
