/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: rebalance. Acting on groups of worker processes: CPU placement,
 * connection steering, scale hooks, always undone on stop. Reads snapshots
 * and /proc; reaches BPF only through probes/collector.h.
 *
 * The daemon's side of rebalancing: every [group] of the config, judged
 * each interval. A placement plan must hold for REBALANCE_HOLD_WINDOWS
 * intervals in a row and the group's cooldown must have passed before it
 * is acted on: applied with rebalance = apply, logged as a dry run with
 * plan. Scale hooks and connection steering follow the same mode. Every
 * action is logged with its evidence; what was changed (CPU affinities,
 * steering) is undone when the rebalancer is freed (stop, reload).
 */
#ifndef HIVEMON_REBALANCE_REBALANCER_H
#define HIVEMON_REBALANCE_REBALANCER_H

#include <stdint.h>

#include "alert/alert.h"
#include "cmd/config.h"
#include "core/snapshot.h"
#include "probes/collector.h"

#define REBALANCE_HOLD_WINDOWS 3
#define REBALANCE_MIN_GAIN     0.25 /* cores the busiest CPU must shed */

struct rebalancer;

/* Gets every action done on the host, as an ALERT_ACTION notice of the
 * group's actions rule. */
typedef void (*rebalance_notify_fn)(void *ctx, const struct alert_notice *notice);

/* NULL when @cfg has no group (nothing to do) or out of memory. */
struct rebalancer *rebalancer_new(const struct config *cfg, rebalance_notify_fn notify, void *ctx);
/* One interval of @snap (CLOCK_MONOTONIC @now_ns) for every group. */
void rebalancer_step(struct rebalancer *r, struct collector *c, const struct snapshot *snap,
		     uint64_t now_ns);
/* groups[] for /api/v1/report (new reference): per group its mode, the
 * last interval's members, imbalance and plan, and what was done. */
json_t *rebalancer_json(const struct rebalancer *r);
/* The actions whose effect became final since the last call, for the
 * history: [{"group", "at", "action", "text", "evidence", "effect"}] (a
 * new array, maybe empty). */
json_t *rebalancer_take_actions(struct rebalancer *r);
/* Undoes what was applied (through @c for steering) and frees. */
void rebalancer_free(struct rebalancer *r, struct collector *c);

#endif
