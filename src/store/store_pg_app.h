/* SPDX-License-Identifier: GPL-2.0 */
/*
 * History rows of the application protocols, in COPY text format: one row
 * per process and request shape (HTTP method, route and status class;
 * normalized SQL statement; Redis command) per interval, and one per slow
 * statement. Schema version 4 (store_pg_schema.c) holds them.
 */
#ifndef HIVEMON_STORE_PG_APP_H
#define HIVEMON_STORE_PG_APP_H

#include "core/snapshot.h"
#include "store/store_pg_rows.h"

#define PG_APP_TABLE "hivemon.app_requests"
#define PG_APP_COLUMNS                                                                             \
	"ts, interval_s, host, pid, comm, service, proto, role, method, status, fingerprint, "     \
	"text, count, errors, hits, misses, sum_ns, p50_ns, p90_ns, p99_ns, max_ns"
#define PG_SLOW_QUERIES_TABLE "hivemon.slow_queries"
#define PG_SLOW_QUERIES_COLUMNS                                                                    \
	"ts, host, pid, comm, service, role, peer, fingerprint, query, latency_ns"

/* Appends the request rows of @snap; -ENOMEM on failure. */
int pg_rows_app(struct copybuf *b, const struct snapshot *snap);
/* Appends the slow statements of @snap; -ENOMEM on failure. */
int pg_rows_slow_queries(struct copybuf *b, const struct snapshot *snap);

#endif
