/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The groups pane of `hivemon top` (key g): the daemon's [group] sections
 * as its rebalancer sees them, from the groups[] it sends with each window
 * (the same as /api/v1/report's): members, imbalance, plan, steering, the
 * last action and its measured effect.
 */
#ifndef HIVEMON_TOP_GROUPS_H
#define HIVEMON_TOP_GROUPS_H

#include <jansson.h>

#include "top/top_render.h"

/* Lays out the pane; @groups NULL: top does not read from a daemon, or
 * the daemon has no group. */
void top_format_groups(const json_t *groups, struct top_lines *out);

#endif
