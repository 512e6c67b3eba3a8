/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Findings held over intervals, for the daemon: a finding is reported once
 * its condition has held HELD_INTERVALS intervals in a row (one noisy
 * second says nothing), and carries `since`, the start of the first of
 * them; it is forgotten the first interval it is not found, and starts
 * over when it comes back. A finding is known by its kind, its service
 * (or the host) and its rank among findings of that kind and service.
 */
#ifndef HIVEMON_ANALYSIS_HELD_H
#define HIVEMON_ANALYSIS_HELD_H

#include <stdint.h>

#include "analysis/analysis.h"

#define HELD_INTERVALS 3

struct held_findings;

/* A finding needs @need intervals in a row (1: reported at once); NULL on
 * ENOMEM. */
struct held_findings *held_new(unsigned int need);
void held_free(struct held_findings *h);
/*
 * Takes the findings of one interval starting at @start_ns (CLOCK_REALTIME)
 * and replaces @out's content with those held long enough, since_ns set.
 * @out's items share @now's owned parts (queries, recommendation text):
 * free only out->items. 0 or -ENOMEM (then the state is as before the call).
 */
int held_update(struct held_findings *h, const struct findings *now, uint64_t start_ns,
		struct findings *out);
/*
 * Called with each interval's findings before they are held, to add to
 * them (index advice in a recommendation); it may block, so it must bound
 * its own time. Keeps analysis free of the databases it is asked about.
 */
typedef void (*held_advise_fn)(struct findings *now, void *ctx);
void held_set_advise(struct held_findings *h, held_advise_fn fn, void *ctx);
/* The findings[] of /api/v1/report for interval @snap: its findings at
 * analysis_limits_for(@snap) and its services' latency against their own
 * baseline (analysis/baseline.h), advised, held (a new reference; NULL on
 * ENOMEM). */
json_t *held_report(struct held_findings *h, const struct snapshot *snap);

#endif
