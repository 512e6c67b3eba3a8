/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The placement plan of a group of worker processes ("agents"): how their
 * CPU demand is spread over the group's CPUs and a better placement. Pure
 * arithmetic over loads, so it is tested on fixed numbers. A member's demand is the CPU time it wanted in the
 * window (on a CPU + waiting in a run queue), in cores. Loads per CPU are
 * the demand placed there plus what other processes used there.
 */
#ifndef HIVEMON_REBALANCE_PLAN_H
#define HIVEMON_REBALANCE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rebalance/cpus.h"

struct plan_member {
	uint32_t pid;
	double demand; /* cores wanted over the window (on-CPU + run-queue wait) */
	int cpu;       /* the one CPU it is pinned to, -1 when it may float */
	/* CPUs of the group it may run on now (floating members spread their
	 * demand evenly over them); indices into plan_input.cpus. */
	const bool *allowed;
};

struct plan_input {
	size_t n_cpus;
	const int *cpus;	  /* the group's CPU numbers */
	const double *background; /* cores used per CPU by non-members */
	size_t n_members;
	const struct plan_member *members;
	double min_gain; /* cores the busiest CPU must shed to justify moves */
};

struct plan_move {
	uint32_t pid;
	int from; /* -1: floating */
	int to;
};

struct plan {
	double cv_before, cv_after;	  /* coefficient of variation of CPU loads */
	double max_before, max_after;	  /* busiest CPU's load, cores */
	double *load_before, *load_after; /* owned, per input CPU index */
	struct plan_move *moves;	  /* owned; empty when placement stays */
	size_t n_moves;
	const char *verdict; /* "move", or "balanced" (nothing worth moving) */
};

/*
 * Longest processing time first: members, largest demand first, each go to
 * the least loaded CPU, keeping their own CPU on a near tie (within
 * min_gain / 2) so a balanced group is left alone. Members wanting more
 * than a core stay where they are (pinning them to one CPU would cap them).
 * The moves are kept only when the busiest CPU sheds at least min_gain.
 * 0, -EINVAL (no CPUs, too many) or -ENOMEM.
 */
int plan_placement(const struct plan_input *in, struct plan *out);
void plan_free(struct plan *p);
/* Coefficient of variation (stddev / mean) of @n loads; 0 when idle. */
double load_cv(const double *load, size_t n);

#endif
