/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: store. The PostgreSQL history of intervals and alert transitions.
 * Includes core and util.
 *
 * PostgreSQL history: per-interval process statistics and alert transitions.
 * Writes never block the caller: rows go to a bounded in-memory queue drained
 * by the store's own thread, which reconnects with backoff.
 */
#ifndef HIVEMON_STORE_PG_H
#define HIVEMON_STORE_PG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/snapshot.h"

struct store_pg;

/* Rows kept in memory while the database is away (~40 MB: minutes of a
 * busy host); beyond, the oldest statistics are dropped (alert transitions
 * last) and counted. */
#define STORE_PG_QUEUE_MAX_ROWS 262144

struct store_alert_row {
	const char *rule;     /* alert name */
	const char *severity; /* info|warning|critical|emergency */
	const char *status;   /* firing|resolved */
	const char *labels_json;
	double value, threshold;
	uint64_t at_ns; /* CLOCK_REALTIME */
};

/* Starts the writer thread; a database that is down is not an error. */
struct store_pg *store_pg_open(const char *conninfo, unsigned int retention_days);
int store_pg_write_snapshot(struct store_pg *s, const struct snapshot *snap);
int store_pg_write_alert(struct store_pg *s, const struct store_alert_row *row);

/* The rebalancer's groups[] of the interval starting at @ts_ns (one row
 * per group) and the actions whose effect became final (one row each,
 * with evidence and effect), as the report shows them. */
int store_pg_write_groups(struct store_pg *s, uint64_t ts_ns, const json_t *groups,
			  const json_t *actions);

struct store_pg_stats {
	uint64_t rows_queued;  /* waiting in memory */
	uint64_t rows_written; /* committed to the database */
	uint64_t rows_dropped; /* queue overflow, or rejected by the database */
	bool connected;
};

void store_pg_get_stats(struct store_pg *s, struct store_pg_stats *out);
/* Flushes what it can within @timeout_ms, then stops the thread. A server
 * that says nothing for a second meanwhile is taken for hung and given up:
 * the rows still queued are lost (and logged); none is ever stored twice,
 * since a batch is retried only by the run that queued it, and recognised
 * (hivemon.stored_batches) if an attempt whose answer was lost committed. */
void store_pg_close(struct store_pg *s, int timeout_ms);

#endif
