/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of pool tuning: every [pool] of the config (tune = plan
 * or apply, a TCP endpoint) measured interval after interval; once a window
 * as long as the shortest cooldown is gathered, each pool gets its verdict
 * and size (hysteresis carried from window to window, [postgres] caps
 * applied), and with tune = apply its PgBouncer is resized (at most once
 * per cooldown, logged with the evidence, handed to @notify as an
 * ALERT_ACTION "pool-resized" for the targets and the history). The
 * window then starts again, so every decision measures the pool as the
 * last change left it. On free, PgBouncer's own size is put back.
 */
#ifndef HIVEMON_POOLS_POOL_TUNER_H
#define HIVEMON_POOLS_POOL_TUNER_H

#include <jansson.h>
#include <stdint.h>

#include "alert/alert.h"
#include "cmd/config.h"
#include "core/snapshot.h"

struct pool_tuner;

/* NULL when @cfg has no pool to tune, or out of memory (logged). */
struct pool_tuner *pool_tuner_new(const struct config *cfg, alert_notice_fn notify, void *ctx);
/* One interval @snap at CLOCK_MONOTONIC @now_ns. */
void pool_tuner_step(struct pool_tuner *t, const struct snapshot *snap, uint64_t now_ns);
/* pools[] of /api/v1/report (new reference): the last decision of each pool. */
json_t *pool_tuner_json(const struct pool_tuner *t);
/* Puts PgBouncer's sizes back and frees. */
void pool_tuner_free(struct pool_tuner *t);

#endif
