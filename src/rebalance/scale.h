/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scale hooks of a group: a command run when the whole group stays
 * saturated (every member busy, and latency over the target) or idle,
 * window after window, at most once per cooldown. The command gets the
 * evidence in its environment; %n in it becomes the instance number to
 * start (members + 1) or to stop (members).
 */
#ifndef HIVEMON_REBALANCE_SCALE_H
#define HIVEMON_REBALANCE_SCALE_H

#include <stdbool.h>
#include <stdint.h>

#include "rebalance/group.h"

enum scale_action { SCALE_NONE, SCALE_OUT, SCALE_IN };

struct scale_policy {
	const char *scale_out, *scale_in; /* shell commands, NULL = none */
	uint64_t cooldown_ns;
	uint64_t latency_target_ns; /* request or run-queue p99 that means saturated */
	double busy_cores;	    /* a member wanting this much is busy */
	double idle_cores;	    /* a member using less than this is idle */
	unsigned int windows;	    /* consecutive windows before acting */
};

struct scale_state {
	unsigned int saturated, idle; /* consecutive windows so far */
	uint64_t last_run_ns;	      /* CLOCK_MONOTONIC of the last command, 0 = never */
};

void scale_policy_default(struct scale_policy *p);
/* What one more window of @s says; @now_ns is CLOCK_MONOTONIC. A decision
 * other than SCALE_NONE starts a new cooldown and count. */
enum scale_action scale_decide(const struct scale_policy *p, struct scale_state *st,
			       const struct group_state *s, uint64_t now_ns);
const char *scale_action_name(enum scale_action a);
/* "saturated: 4 members, mean 0.98 cores wanted, request p99 230ms" */
void scale_evidence(const struct group_state *s, char *buf, size_t len);
/*
 * Runs the policy's command for @a through /bin/sh and waits for it, with
 * HIVEMON_GROUP, HIVEMON_ACTION, HIVEMON_MEMBERS, HIVEMON_EVIDENCE in its
 * environment. Returns its exit status (0 = success), or a negative errno.
 */
int scale_run(const struct scale_policy *p, enum scale_action a, const struct group_state *s);

#endif
