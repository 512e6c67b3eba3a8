/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's record of what it did to a group, and what came of it. The
 * last EFFECT_WINDOWS_BEFORE intervals of the group are always kept; when
 * an action is applied they become its "before", and the next
 * EFFECT_WINDOWS_AFTER intervals its "after" (effect.h). The last
 * ACTIONS_KEPT actions are shown with their evidence and effect; each one
 * whose effect is final is handed once to the history (take_finished).
 */
#ifndef HIVEMON_REBALANCE_ACTION_LOG_H
#define HIVEMON_REBALANCE_ACTION_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rebalance/effect.h"

#define EFFECT_WINDOWS_BEFORE 3
#define ACTIONS_KEPT	      4

struct action_log {
	struct effect_span recent[EFFECT_WINDOWS_BEFORE]; /* ring of single windows */
	unsigned int next_recent;
	json_t *kept[ACTIONS_KEPT]; /* records, oldest first */
	unsigned int n_kept;
	json_t *measuring; /* the record whose effect is being measured, in kept[] */
	struct effect_span before, after;
	json_t *finished; /* records final since the last take, NULL = none */
};

void action_log_init(struct action_log *l);
void action_log_free(struct action_log *l);
/*
 * One more interval of the group (@s measured in @snap). Returns the record
 * whose effect became final with it (borrowed; valid until the next call),
 * or NULL.
 */
const json_t *action_log_window(struct action_log *l, const struct group_state *s,
				const struct snapshot *snap);
/*
 * An action applied at the end of the interval just given: @kind ("move",
 * "steering", "scale-out", "scale-in"), @text as logged, @evidence (taken
 * over) the figures it was decided on; CLOCK_REALTIME @at_ns. An effect
 * still measured is cut short (it would mix both actions).
 */
void action_log_begin(struct action_log *l, const char *kind, const char *text, json_t *evidence,
		      uint64_t at_ns);
/* The kept records, oldest first (a new array). */
json_t *action_log_json(const struct action_log *l);
/* The records final since the last call (a new array, maybe empty). */
json_t *action_log_take_finished(struct action_log *l);
/* "cpu 25.0% -> 49.6% per member, run-queue p99 48ms -> 9.2ms" (and request
 * p99 when the group serves requests)
 * of a record's group effect. */
void action_effect_summary(const json_t *record, char *buf, size_t len);

#endif
