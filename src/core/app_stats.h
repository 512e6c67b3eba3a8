/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the application-protocol rows of a snapshot (struct
 * app_request_stat): their names as the consumers print them, the hit
 * ratio of cache reads, and the rows of several processes (a service)
 * merged by request shape. Shared by the text report, top, the alert
 * metrics, the exporters and the history.
 */
#ifndef HIVEMON_CORE_APP_STATS_H
#define HIVEMON_CORE_APP_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"

/* "http", "sql", "redis"; "?" for anything else. */
const char *app_proto_name(uint8_t proto);
/* "server" or "client". */
const char *app_role_name(uint8_t role);
/* An HTTP status class as text: 200 -> "2xx"; "" for 0. @buf has 8 bytes. */
const char *app_status_text(uint16_t status, char *buf);
#define APP_STATUS_LEN 8
/* The hit ratio (0..1) of a row's cache reads; false when it had none. */
bool app_hit_ratio(const struct app_request_stat *r, double *ratio);

/*
 * Rows of several processes merged by shape (proto, role, method, status,
 * fingerprint), with the slowest statements among them. The record is a
 * process record used as an accumulator: only its app part is filled.
 */
struct app_merged {
	struct proc_snapshot acc;
};

void app_merged_init(struct app_merged *m);
void app_merged_free(struct app_merged *m);
/* Adds the rows and slow statements of @p; -1 on ENOMEM. */
int app_merged_add(struct app_merged *m, const struct proc_snapshot *p);

/*
 * The rows of @proto (0: of every protocol) in @p (merged or not), by total time (sum of
 * latencies) descending, then by count, then text: a malloc'ed array of
 * pointers into @p (free() it), *@n of them; NULL when none (or ENOMEM).
 */
const struct app_request_stat **app_rows_by_time(const struct proc_snapshot *p, uint8_t proto,
						 size_t *n);
/* The slow statements of @p, slowest first, into @out (PROC_MAX_SLOW_QUERIES). */
size_t app_slow_sorted(const struct proc_snapshot *p, const struct slow_query **out);

#endif
