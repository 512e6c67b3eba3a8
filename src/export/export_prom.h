/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition (format 0.0.4) of hivemon's snapshots.
 *
 * A snapshot holds one interval; Prometheus wants counters and histograms
 * that only grow. The registry keeps the running totals of every series and
 * is fed one interval at a time. Latency histograms are folded from the
 * log-linear kernel buckets into a fixed set of `le` bounds (1-2.5-5 steps
 * from 1 us to 10 s, plus 60 s) so series stay stable across scrapes.
 *
 * Series are per comm (all pids of a comm aggregated) unless per-pid labels
 * are asked for. A series that has not been fed for PROM_STALE_NS of
 * snapshot time is dropped (if it comes back, it restarts from zero, which
 * Prometheus reads as a counter reset).
 */
#ifndef HIVEMON_EXPORT_PROM_H
#define HIVEMON_EXPORT_PROM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

#define PROM_STALE_NS	  (15ULL * 60 * 1000000000ULL)
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_registry;

struct prom_registry *prom_registry_new(bool per_pid_labels);
void prom_registry_free(struct prom_registry *r);
/* Adds the interval @snap to the running totals; -ENOMEM on failure. */
int prom_registry_add(struct prom_registry *r, const struct snapshot *snap);
/* The history store's own figures (totals since start), for the interval
 * just added; call after prom_registry_add(). */
struct prom_store_figures {
	uint64_t rows_written, rows_dropped, rows_queued;
	bool connected;
};
int prom_registry_set_store(struct prom_registry *r, const struct prom_store_figures *f);
/* The rebalancer's groups (the groups[] of /api/v1/report) as the
 * hivemon_group_* series, for the interval just added (prom_groups.c). */
int prom_registry_set_groups(struct prom_registry *r, const json_t *groups);
/* Renders every series; *text is malloc'ed, NUL-terminated, owned by the caller. */
int prom_registry_render(const struct prom_registry *r, char **text, size_t *len);

/* Escapes a label value for the text format (backslash, quote, newline;
 * invalid UTF-8 bytes become '?'). Appends at most @cap-1 bytes to @out. */
size_t prom_escape_label(const char *value, char *out, size_t cap);

#endif
