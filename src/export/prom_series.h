/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the Prometheus exporter: the metric families it knows, and the
 * series table holding every series' running totals. prom_feed.c maps
 * snapshots onto series, prom_render.c writes them out; export_prom.h is
 * the face for the rest of hivemon.
 */
#ifndef HIVEMON_PROM_SERIES_H
#define HIVEMON_PROM_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/snapshot.h"
#include "export/export_prom.h"

#define NS_PER_S 1000000000ULL

/* `le` bounds: 1-2.5-5 steps from 1 us to 10 s, then 60 s; +Inf is implied.
 * The strings are what client_golang prints for these floats. */
struct prom_le_bound {
	uint64_t ns;
	const char *text;
};
#define N_BOUNDS  23
#define N_BUCKETS (N_BOUNDS + 1) /* the last one is (60 s, +Inf) */
extern const struct prom_le_bound prom_le_bounds[N_BOUNDS];

enum family_kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM, KIND_SUMMARY };

enum family_id {
	FAM_SYSCALL_LAT,
	FAM_SYSCALL_ERRORS,
	FAM_TCP_CONNECT_LAT,
	FAM_TCP_CONNECT_ERRORS,
	FAM_TCP_RTT,
	FAM_TCP_RETRANSMITS,
	FAM_TCP_REQUEST_LAT,
	FAM_SCHED_RUNQ_LAT,
	FAM_CPU_SECONDS,
	FAM_CPU_USAGE,
	FAM_MEM_RSS,
	FAM_MEM_ANON,
	FAM_PAGE_FAULTS,
	FAM_RECLAIM_STALL,
	FAM_MALLOC_LAT,
	FAM_HTTP_REQUEST_LAT, /* application protocols: prom_app.c */
	FAM_SQL_QUERY_LAT,
	FAM_SQL_QUERY_ERRORS,
	FAM_REDIS_COMMAND_LAT,
	FAM_REDIS_COMMAND_ERRORS,
	FAM_CACHE_HITS,
	FAM_CACHE_MISSES,
	FAM_PROCESSES,
	FAM_LOST_EVENTS,
	FAM_STORE_WRITTEN,
	FAM_STORE_DROPPED,
	FAM_STORE_QUEUED,
	FAM_STORE_CONNECTED,
	FAM_GROUP_MEMBERS,
	FAM_GROUP_IMBALANCE,
	FAM_GROUP_MEMBER_CPU,
	FAM_GROUP_MOVES,
	FAM_GROUP_STEERING,
	FAM_GROUP_SCALE_EVENTS,
	N_FAMILIES
};

struct prom_family {
	const char *name;
	enum family_kind kind;
	const char *help;
};
extern const struct prom_family prom_families[N_FAMILIES];

struct prom_series {
	enum family_id family;
	uint32_t gen;	  /* registry generation that last fed it */
	uint64_t last_ns; /* snapshot time that last fed it */
	char *labels;	  /* `name="value",...`, escaped; "" for none */
	uint64_t count;	  /* counter value, or histogram/summary count */
	uint64_t sum_ns;  /* histogram/summary sum */
	double gauge;
	uint64_t buckets[]; /* histograms: N_BUCKETS per-bound counts (not cumulative) */
};

struct prom_registry {
	bool per_pid;
	uint32_t gen;
	uint64_t now_ns;
	uint8_t slot_bucket[HIST_NSLOTS]; /* kernel slot -> le bucket */
	struct prom_series **series;
	size_t n, cap;
	uint32_t *index; /* open addressing: hash -> series index + 1 */
	size_t index_cap;
};

/* The series of @fam with @labels (escaped `name="value",...`), created when
 * @create; marks it fed by the registry's current generation. NULL when
 * absent (or out of memory). */
struct prom_series *prom_series_get(struct prom_registry *r, enum family_id fam, const char *labels,
				    bool create);
/* Drops the series not fed for PROM_STALE_NS of snapshot time. */
void prom_series_expire(struct prom_registry *r);

/* prom_feed.c: adds one interval's histogram (scaled to @exact_count when
 * not 0) or counter delta (a zero delta creates the series only when
 * @create_at_zero) to the series @labels of @fam. 0 or -ENOMEM. */
int prom_feed_hist(struct prom_registry *r, enum family_id fam, const char *labels,
		   const struct hist *h, uint64_t exact_count);
int prom_feed_counter(struct prom_registry *r, enum family_id fam, const char *labels,
		      uint64_t delta, bool create_at_zero);
/* prom_app.c: the application-protocol rows of @p; @who holds its comm
 * (and pid) labels. 0 or -ENOMEM. */
int prom_feed_app(struct prom_registry *r, const struct proc_snapshot *p, const char *who);

#endif
