/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resizing a pool through PgBouncer's admin console: at most one attempt
 * per cooldown (a failed one included, so a PgBouncer that is down is
 * retried after the cooldown, not every interval), each change logged
 * with its evidence, and PgBouncer's size before the first change
 * remembered so it can be put back.
 */
#ifndef HIVEMON_POOLS_POOL_APPLY_H
#define HIVEMON_POOLS_POOL_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "pools/pool_plan.h"

struct pool_applier {
	const struct cfg_pool *cfg;
	unsigned int original; /* default_pool_size before our first change, 0 = none */
	unsigned int current;  /* as read or set last, 0 = unknown */
	uint64_t last_try_ns;  /* CLOCK_MONOTONIC, 0 = never */
	unsigned int changes;
};

enum pool_apply_result { POOL_APPLY_NONE, POOL_APPLY_CHANGED, POOL_APPLY_FAILED };

/*
 * Brings PgBouncer's default_pool_size to @r's recommendation when the
 * pool's mode is apply (@force: whatever the mode and cooldown, the
 * by-hand cycle of `hivemon pools --apply`); with plan, says what it would
 * do. Fills r->applied and r->action.
 */
enum pool_apply_result pool_apply(struct pool_applier *a, struct pool_row *r, uint64_t now_ns,
				  bool force);
/* Puts back the size PgBouncer had before our first change; 0, or -1
 * when it could not (logged). */
int pool_applier_restore(struct pool_applier *a);

#endif
