// SPDX-License-Identifier: GPL-2.0
/* Placement of a group's members on its CPUs: longest processing time first. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rebalance/plan.h"

double load_cv(const double *load, size_t n)
{
	double sum = 0, var = 0, mean;

	for (size_t i = 0; i < n; i++)
		sum += load[i];
	if (!n || sum <= 0)
		return 0;
	mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		var += (load[i] - mean) * (load[i] - mean);
	return sqrt(var / (double)n) / mean;
}

static double max_of(const double *v, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static int cpu_index(const struct plan_input *in, int cpu)
{
	for (size_t i = 0; i < in->n_cpus; i++)
		if (in->cpus[i] == cpu)
			return (int)i;
	return -1;
}

/* Adds a member's demand where it runs now: on its CPU, or spread over the
 * CPUs it may use (the scheduler balances a floating member). */
static void place_current(const struct plan_input *in, const struct plan_member *m, double *load)
{
	int at = m->cpu >= 0 ? cpu_index(in, m->cpu) : -1;
	size_t n_allowed = 0;

	if (at >= 0) {
		load[at] += m->demand;
		return;
	}
	for (size_t i = 0; i < in->n_cpus; i++)
		n_allowed += m->allowed[i];
	for (size_t i = 0; i < in->n_cpus && n_allowed; i++)
		if (m->allowed[i])
			load[i] += m->demand / (double)n_allowed;
}

/* A member that wants more than a core (threads on several CPUs) is not
 * pinned to one: that would cap it. A single thread's demand measures up to
 * a core plus noise. */
#define PIN_MAX_DEMAND 1.05

static bool movable(const struct plan_member *m)
{
	return m->demand <= PIN_MAX_DEMAND;
}

static int by_demand_desc(const void *a, const void *b)
{
	const struct plan_member *x = *(const struct plan_member *const *)a;
	const struct plan_member *y = *(const struct plan_member *const *)b;

	if (x->demand != y->demand)
		return x->demand < y->demand ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static size_t least_loaded(const struct plan_input *in, const double *load,
			   const struct plan_member *m)
{
	int own = m->cpu >= 0 ? cpu_index(in, m->cpu) : -1;
	size_t best = 0;

	for (size_t i = 1; i < in->n_cpus; i++)
		if (load[i] < load[best])
			best = i;
	/* Hysteresis: a near tie keeps the member where it is. */
	if (own >= 0 && load[own] - load[best] < in->min_gain / 2)
		return (size_t)own;
	return best;
}

static int assign(const struct plan_input *in, struct plan *out)
{
	const struct plan_member **order = calloc(in->n_members + 1, sizeof(*order));
	size_t n = 0;

	if (!order)
		return -ENOMEM;
	memcpy(out->load_after, in->background, in->n_cpus * sizeof(double));
	for (size_t i = 0; i < in->n_members; i++) {
		if (movable(&in->members[i]))
			order[n++] = &in->members[i];
		else
			place_current(in, &in->members[i], out->load_after);
	}
	qsort(order, n, sizeof(*order), by_demand_desc);
	out->moves = calloc(n + 1, sizeof(*out->moves));
	if (!out->moves) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t to = least_loaded(in, out->load_after, order[i]);

		out->load_after[to] += order[i]->demand;
		if (order[i]->cpu != in->cpus[to])
			out->moves[out->n_moves++] = (struct plan_move){
				.pid = order[i]->pid, .from = order[i]->cpu, .to = in->cpus[to]};
	}
	free(order);
	return 0;
}

int plan_placement(const struct plan_input *in, struct plan *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (!in->n_cpus || in->n_cpus > CPUS_MAX)
		return -EINVAL;
	out->load_before = calloc(in->n_cpus, sizeof(double));
	out->load_after = calloc(in->n_cpus, sizeof(double));
	if (!out->load_before || !out->load_after) {
		plan_free(out);
		return -ENOMEM;
	}
	memcpy(out->load_before, in->background, in->n_cpus * sizeof(double));
	for (size_t i = 0; i < in->n_members; i++)
		place_current(in, &in->members[i], out->load_before);
	out->cv_before = load_cv(out->load_before, in->n_cpus);
	out->max_before = max_of(out->load_before, in->n_cpus);
	err = assign(in, out);
	if (err) {
		plan_free(out);
		return err;
	}
	out->cv_after = load_cv(out->load_after, in->n_cpus);
	out->max_after = max_of(out->load_after, in->n_cpus);
	out->verdict = "move";
	if (!out->n_moves || out->max_before - out->max_after < in->min_gain) {
		/* Not worth disturbing: report the loads as they stay. */
		out->n_moves = 0;
		memcpy(out->load_after, out->load_before, in->n_cpus * sizeof(double));
		out->cv_after = out->cv_before;
		out->max_after = out->max_before;
		out->verdict = "balanced";
	}
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->load_before);
	free(p->load_after);
	free(p->moves);
	memset(p, 0, sizeof(*p));
}
