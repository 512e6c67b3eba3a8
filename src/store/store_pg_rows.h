/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rows of the PostgreSQL history in COPY text format: one row per process,
 * metric and label set per interval (statistics, not raw events), and one
 * per alert transition. Metric names are DESIGN.md's (syscall.latency, ...).
 */
#ifndef HIVEMON_STORE_PG_ROWS_H
#define HIVEMON_STORE_PG_ROWS_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>

#include "core/snapshot.h"
#include "util/textbuf.h"
#include "store/store_pg.h"

#define PG_STATS_TABLE "hivemon.process_stats"
#define PG_STATS_COLUMNS                                                                           \
	"ts, interval_s, host, pid, comm, cgroup, metric, labels, count, errors, sum_ns, "         \
	"p50_ns, p90_ns, p99_ns, max_ns, value"
#define PG_ALERTS_TABLE	  "hivemon.alerts"
#define PG_ALERTS_COLUMNS "ts, host, rule, severity, status, labels, value, threshold"

/* COPY text of whole rows. */
struct copybuf {
	struct textbuf text;
	size_t rows;
};

/* Appends the statistic rows of @snap; -ENOMEM on failure. */
int pg_rows_snapshot(struct copybuf *b, const struct snapshot *snap);
/* Appends one alert transition of @host; -ENOMEM on failure. */
int pg_rows_alert(struct copybuf *b, const char *host, const struct store_alert_row *row);
#define PG_GROUPS_TABLE "hivemon.group_stats"
#define PG_GROUPS_COLUMNS                                                                          \
	"ts, host, group_name, mode, members, imbalance_cv, max_load, verdict, held, steering, "   \
	"moves_total, member_stats"
#define PG_GROUP_ACTIONS_TABLE	 "hivemon.group_actions"
#define PG_GROUP_ACTIONS_COLUMNS "ts, host, group_name, action, description, evidence, effect"
/* Appends one row per group of @groups (the report's groups[]) for the
 * interval starting at @ts_ns; -ENOMEM on failure. */
int pg_rows_groups(struct copybuf *b, const char *host, uint64_t ts_ns, const json_t *groups);
/* Appends one row per action of @actions ({"group", "at", "action",
 * "text", "evidence", "effect"}); -ENOMEM on failure. */
int pg_rows_group_actions(struct copybuf *b, const char *host, const json_t *actions);
void copybuf_free(struct copybuf *b);

/* COPY text fields for the other row writers (store_pg_app.c): text as
 * valid UTF-8 with COPY's escapes; a timestamptz literal in UTC. */
void pg_copy_text(struct textbuf *b, const char *value);
void pg_copy_timestamp(struct textbuf *b, uint64_t ns);

#endif
