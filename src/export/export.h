/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: export. What the daemon serves over HTTP: /metrics, /api/v1/report,
 * /healthz. Includes report, core, util.
 *
 * HTTP exporter on [export] listen: GET /metrics (Prometheus text),
 * GET /api/v1/report (hivemon.report/v1 of the latest window), GET /healthz.
 * Served from libmicrohttpd's own thread; publish() swaps in the latest
 * rendered documents under a lock so scrapes never touch the daemon's state.
 */
#ifndef HIVEMON_EXPORT_H
#define HIVEMON_EXPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/snapshot.h"

struct exporter;

/* @listen is "HOST:PORT"; NULL with a "hivemon: ..." line on failure. */
struct exporter *exporter_open(const char *listen, bool per_pid_labels);
/* Renders @snap (one interval) and makes it what the next requests get. */
int exporter_publish(struct exporter *e, const struct snapshot *snap);
/* Figures of the PostgreSQL history shown on /metrics from the next publish
 * on (hivemon_store_*); without a call, there are none. */
struct store_pg_stats;
void exporter_set_store_stats(struct exporter *e, const struct store_pg_stats *st);
/* The groups[] of /api/v1/report from the next publish on (the reference
 * is taken over; NULL: none). */
void exporter_set_groups(struct exporter *e, json_t *groups);
/* The findings[] of /api/v1/report from the next publish on, in place of
 * the interval's own (the reference is taken over; NULL: its own). */
void exporter_set_findings(struct exporter *e, json_t *findings);
void exporter_close(struct exporter *e);

#endif
