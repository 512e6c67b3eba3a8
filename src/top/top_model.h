/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rows of `hivemon top`: one per process of a snapshot, with the
 * figures the table shows, plus sorting, filtering and human units.
 * Pure functions over a snapshot; no terminal here.
 */
#ifndef HIVEMON_TOP_MODEL_H
#define HIVEMON_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "top/top_alerts.h"
#include "core/snapshot.h"

enum top_col {
	COL_PID,
	COL_COMM,
	COL_CPU,
	COL_RUNQ,
	COL_SYSC,
	COL_SYS_P99,
	COL_SYS_TOP,
	COL_REQ_RATE,
	COL_REQ_P99,
	COL_CONN,
	COL_RTT,
	COL_RETR,
	COL_FAULTS,
	COL_RSS,
	COL_ALERT,
	COL_COUNT
};

struct top_col_info {
	const char *title;
	int width;
	bool left;	   /* left-aligned text column */
	bool sortable;	   /* offered by the sort key */
	bool desc_default; /* numbers sort largest first, names A..Z */
};
extern const struct top_col_info top_cols[COL_COUNT];

struct top_row {
	uint32_t pid;
	char comm[PROC_COMM_LEN];
	double cpu_pct;	     /* on-CPU time / window, % of one core */
	uint64_t runq_p99;   /* ns */
	double sysc_rate;    /* syscalls per second */
	uint32_t sys_top_nr; /* syscall with the largest total latency */
	bool has_sys_top;
	uint64_t sys_p99; /* p99 of that syscall, ns */
	double req_rate;  /* TCP requests/s (server rows, else client rows) */
	uint64_t req_p99;
	uint64_t conn_p99;
	uint64_t rtt_p50;
	uint64_t retrans;
	double fault_rate;
	uint64_t rss_bytes;
	enum top_tier tier; /* highest firing alert naming this process */
};

struct top_totals {
	size_t procs;
	double syscalls_per_s;
	double requests_per_s;
	uint64_t lost_events;
	size_t alerts_by_tier[TIER_COUNT];
};

struct top_model {
	struct top_row *rows; /* owned */
	size_t n, cap;
	struct top_totals totals; /* over every process, filtered or not */
};

struct top_filter {
	const char *comm_substr; /* interactive "/" filter, case-insensitive; NULL/"" = all */
	const uint32_t *pids;	 /* --pid list (daemon mode), n_pids 0 = all */
	size_t n_pids;
	const char (*comms)[PROC_COMM_LEN]; /* --comm list (daemon mode), exact */
	size_t n_comms;
	const char *cgroup_prefix; /* --cgroup path (daemon mode) */
};

void top_model_init(struct top_model *m);
void top_model_free(struct top_model *m);
/* Rebuilds the rows of @snap that pass @filter (may be NULL). 0 or -ENOMEM. */
int top_model_build(struct top_model *m, const struct snapshot *snap,
		    const struct top_alerts *alerts, const struct top_filter *filter);
void top_model_sort(struct top_model *m, enum top_col col, bool reverse);
/* Index of @pid among the rows, or -1. */
long top_model_find(const struct top_model *m, uint32_t pid);

/* Figures of one process (also used by the detail view). */
void top_row_compute(struct top_row *row, const struct proc_snapshot *p, uint64_t window_ns,
		     const struct top_alerts *alerts);
bool top_filter_match(const struct top_filter *f, const struct proc_snapshot *p);

/* Human units, three significant digits: "850ns" "12.3µs" "20.1ms" "1.25s",
 * "-" for 0. Return @buf. */
char *fmt_latency(uint64_t ns, char *buf, size_t len);
/* "0" "12.5" "980" "1.2k" "35k" "1.3M". */
char *fmt_rate(double per_s, char *buf, size_t len);
/* "512K" "12.3M" "1.5G"; "-" for 0. */
char *fmt_bytes(uint64_t bytes, char *buf, size_t len);
/* Number of terminal columns of UTF-8 @s (every code point one column). */
size_t utf8_width(const char *s);
/* Bytes of the longest prefix of @s at most @cols columns wide. */
size_t utf8_prefix(const char *s, size_t cols);

#endif
