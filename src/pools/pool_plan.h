/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plan of a cycle: one row per pool with its window, verdict and size,
 * the sizes of the pools of one PostgreSQL server capped to what that
 * server allows, and the row as JSON (pools[] of the report) and text.
 * Shared by `hivemon pools` and the daemon's tuner.
 */
#ifndef HIVEMON_POOLS_POOL_PLAN_H
#define HIVEMON_POOLS_POOL_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd/config.h"
#include "core/pool_tune.h"
#include "pools/pool_measure.h"
#include "postgres/pg_limits.h"

struct pool_row {
	const struct cfg_pool *cfg; /* NULL: a pool seen, not configured */
	char client[SERVICE_NAME_LEN];
	char endpoint[ENDPOINT_STRLEN];
	struct endpoint ep;
	bool seen; /* traffic in the window */
	struct pool_measure m;
	struct pool_decision d;
	char cap[200]; /* why the size was capped, "" when it was not */
	/* The [postgres] server the endpoint reaches, when one does. */
	const char *server; /* its section name, NULL: none */
	struct pg_limits limits;
	/* What was done: "" (nothing), or the change and its outcome. */
	bool applied;
	char action[512];
};

/* The row of @o (NULL: no traffic to the configured @cfg's endpoint). */
void pool_row_fill(struct pool_row *r, const struct cfg_pool *cfg, const struct pool_obs *o,
		   uint64_t window_ns);
/* Verdict and size with @cfg's bounds (defaults without one). */
void pool_row_decide(struct pool_row *r, struct pool_tune_state *state);
/* Caps the rows' sizes by every [postgres] server of @cfg that serves
 * their endpoints: the sum of the sizes of one server's pools stays within
 * max_connections - superuser_reserved_connections - the client backends
 * that are not these pools'. A server that cannot be read is logged and
 * not capped. */
void pool_rows_cap(struct pool_row *rows, size_t n, const struct config *cfg);

json_t *pool_row_json(const struct pool_row *r);
/* pools[] of `hivemon report`: every client pool of @snap (one window, so
 * the busy peak is its mean), open connections counted now, default
 * bounds. NULL when out of memory. */
json_t *pool_snapshot_json(const struct snapshot *snap);
void pool_rows_print(const struct pool_row *rows, size_t n, FILE *out);

#endif
