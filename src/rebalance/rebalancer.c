// SPDX-License-Identifier: GPL-2.0
/* Rebalancing the config's groups interval after interval, and undoing it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rebalance/action_log.h"
#include "rebalance/affinity.h"
#include "rebalance/rebalancer.h"
#include "rebalance/reuseport.h"
#include "rebalance/scale.h"
#include "util/clock.h"
#include "util/log.h"

struct group_runtime {
	const struct cfg_group *cfg;
	struct scale_policy scale;
	struct scale_state scale_state;
	struct affinity_log moved; /* affinities before hivemon changed them */
	unsigned int held;	   /* intervals in a row the plan asked for moves */
	uint64_t last_move_ns;	   /* CLOCK_MONOTONIC, 0 = never */
	struct steer_member steer[COLLECTOR_STEER_MAX];
	size_t n_steer;
	bool steer_reported;		  /* a steering problem is logged once */
	json_t *last;			  /* the last interval: members, imbalance, plan */
	unsigned int moves;		  /* applied so far */
	unsigned int scale_out, scale_in; /* commands run so far */
	char last_action[512];
	struct action_log actions; /* what was done, with its effect */
};

struct rebalancer {
	struct group_runtime *groups;
	size_t n;
	rebalance_notify_fn notify;
	void *notify_ctx;
	char host[64];
	struct cpu_times prev; /* host busy time at the last interval */
	bool have_prev;
	struct proc_cache procs; /* membership facts, shared by the groups */
};

struct rebalancer *rebalancer_new(const struct config *cfg, rebalance_notify_fn notify, void *ctx)
{
	struct rebalancer *r;

	if (!cfg->n_groups)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r)
		r->groups = calloc(cfg->n_groups, sizeof(*r->groups));
	if (!r || !r->groups) {
		free(r);
		hlog(LOG_ERR, "rebalance: out of memory; groups are not rebalanced");
		return NULL;
	}
	r->n = cfg->n_groups;
	r->notify = notify;
	r->notify_ctx = ctx;
	gethostname(r->host, sizeof(r->host) - 1);
	for (size_t i = 0; i < r->n; i++) {
		struct group_runtime *g = &r->groups[i];

		g->cfg = &cfg->groups[i];
		scale_policy_default(&g->scale);
		g->scale.scale_out = g->cfg->scale_out;
		g->scale.scale_in = g->cfg->scale_in;
		g->scale.cooldown_ns = g->cfg->cooldown_ns;
		g->scale.latency_target_ns = g->cfg->latency_target_ns;
		g->scale.windows = REBALANCE_HOLD_WINDOWS;
		action_log_init(&g->actions);
	}
	return r;
}

/* Tells the group's notify targets what was done (@action) and why. */
static void notify_action(const struct rebalancer *r, const struct group_runtime *g,
			  const char *action, const char *text)
{
	if (!r->notify || !g->cfg->actions.n_notify || !g->cfg->actions.name)
		return;
	alert_notify_action(&g->cfg->actions, NULL, text, 0,
			    json_pack("{s:s, s:s, s:s, s:s, s:s}", "alertname",
				      g->cfg->actions.name, "severity", "info", "host", r->host,
				      "group", g->cfg->spec.name, "action", action),
			    r->notify, r->notify_ctx);
}

static bool applying(const struct group_runtime *g)
{
	return g->cfg->mode == REBALANCE_APPLY;
}

/* What a placement was decided on, with the moves made (@moves taken over). */
static json_t *plan_evidence(const struct group_runtime *g, const struct plan *p, json_t *moves)
{
	return json_pack("{s:o, s:f, s:f, s:f, s:f, s:i}", "moves", moves, "cv_before",
			 p->cv_before, "cv_after_planned", p->cv_after, "max_load_before",
			 p->max_before, "max_load_after_planned", p->max_after, "held_intervals",
			 g->held);
}

/* Moves the plan's members, or says what it would move. */
static void act_on_plan(const struct rebalancer *r, struct group_runtime *g, const struct plan *p)
{
	json_t *moved = json_array();
	char text[512];
	const char *name = g->cfg->spec.name;

	for (size_t i = 0; i < p->n_moves; i++) {
		const struct plan_move *m = &p->moves[i];
		int err = applying(g) ? affinity_pin(&g->moved, m->pid, m->to) : 0;

		if (err == -ENOENT || err == -ESRCH)
			continue;
		if (err) {
			hlog(LOG_ERR, "rebalance: group %s: cannot move pid %u to cpu %d: %s", name,
			     m->pid, m->to, strerror(-err));
			break; /* the moves made so far are still recorded */
		}
		snprintf(text, sizeof(text),
			 "%s pid %u from cpu %d to cpu %d (busiest CPU %.2f -> %.2f cores wanted, "
			 "cv %.2f -> %.2f, held %u intervals)",
			 applying(g) ? "moved" : "would move (plan)", m->pid, m->from, m->to,
			 p->max_before, p->max_after, p->cv_before, p->cv_after, g->held);
		hlog(LOG_NOTICE, "rebalance: group %s: %s", name, text);
		if (applying(g)) {
			notify_action(r, g, "moved", text);
			g->moves++;
			json_array_append_new(moved, json_pack("{s:I, s:i, s:i}", "pid",
							       (json_int_t)m->pid, "from", m->from,
							       "to", m->to));
			snprintf(g->last_action, sizeof(g->last_action), "%s", text);
		}
	}
	if (json_array_size(moved))
		action_log_begin(&g->actions, "move", g->last_action, plan_evidence(g, p, moved),
				 clock_ns(CLOCK_REALTIME));
	else
		json_decref(moved);
}

static void placement(const struct rebalancer *r, struct group_runtime *g,
		      const struct group_state *s, uint64_t now_ns)
{
	struct plan p;

	if (group_plan(s, REBALANCE_MIN_GAIN, &p))
		return;
	json_decref(g->last);
	g->last = group_to_json(s, &p);
	g->held = strcmp(p.verdict, "move") ? 0 : g->held + 1;
	if (g->held >= REBALANCE_HOLD_WINDOWS &&
	    (!g->last_move_ns || now_ns - g->last_move_ns >= g->cfg->cooldown_ns)) {
		act_on_plan(r, g, &p);
		g->last_move_ns = now_ns;
		g->held = 0;
	}
	plan_free(&p);
}

static void scaling(const struct rebalancer *r, struct group_runtime *g,
		    const struct group_state *s, uint64_t now_ns)
{
	char text[400];
	enum scale_action a = scale_decide(&g->scale, &g->scale_state, s, now_ns);
	char evidence[256];
	int status;

	if (a == SCALE_NONE)
		return;
	scale_evidence(s, evidence, sizeof(evidence));
	if (!applying(g)) {
		hlog(LOG_NOTICE, "rebalance: group %s: would run %s (plan): %s", g->cfg->spec.name,
		     scale_action_name(a), evidence);
		return;
	}
	status = scale_run(&g->scale, a, s);
	if (a == SCALE_OUT)
		g->scale_out++;
	else
		g->scale_in++;
	snprintf(text, sizeof(text), "ran %s (%s): %s%s", scale_action_name(a), evidence,
		 status ? "failed, status " : "ok",
		 status ? (status < 0 ? strerror(-status) : "non-zero") : "");
	hlog(status ? LOG_ERR : LOG_NOTICE, "rebalance: group %s: %s", g->cfg->spec.name, text);
	notify_action(r, g, scale_action_name(a), text);
	snprintf(g->last_action, sizeof(g->last_action), "%s", text);
	action_log_begin(&g->actions, scale_action_name(a), text,
			 json_pack("{s:s, s:i, s:I}", "evidence", evidence, "status", status,
				   "members", (json_int_t)s->n_members),
			 clock_ns(CLOCK_REALTIME));
}

static void steering(const struct rebalancer *r, struct group_runtime *g, struct collector *c,
		     const struct group_state *s)
{
	char text[128];
	int n, err;

	if (!g->cfg->steer_port || !applying(g) || g->n_steer)
		return;
	n = reuseport_members(s, g->cfg->steer_port, g->steer, COLLECTOR_STEER_MAX);
	err = n < 2 ? -ENOENT : collector_steer_start(c, g->steer, (size_t)n);
	if (err) {
		if (n > 0)
			reuseport_members_close(g->steer, (size_t)n);
		if (!g->steer_reported)
			hlog(LOG_WARNING, "rebalance: group %s: cannot steer port %u yet: %s",
			     g->cfg->spec.name, g->cfg->steer_port,
			     err == -ENOENT ? "fewer than two members listen on it"
					    : strerror(-err));
		g->steer_reported = true;
		return;
	}
	g->n_steer = (size_t)n;
	snprintf(text, sizeof(text), "steering connections to port %u over %d members",
		 g->cfg->steer_port, n);
	hlog(LOG_NOTICE, "rebalance: group %s: %s", g->cfg->spec.name, text);
	notify_action(r, g, "steering", text);
	snprintf(g->last_action, sizeof(g->last_action), "%s", text);
	action_log_begin(&g->actions, "steering", text,
			 json_pack("{s:i, s:i}", "port", g->cfg->steer_port, "members", n),
			 clock_ns(CLOCK_REALTIME));
}

/* The interval for the effect of the group's actions; logs an effect that
 * became final, and keeps it for the history. */
static void track_effect(struct rebalancer *r, struct group_runtime *g, const struct group_state *s,
			 const struct snapshot *snap)
{
	const json_t *done = action_log_window(&g->actions, s, snap);
	char summary[256];

	if (!done)
		return;
	action_effect_summary(done, summary, sizeof(summary));
	hlog(LOG_NOTICE, "rebalance: group %s: effect of %s over %d intervals: %s",
	     g->cfg->spec.name, json_string_value(json_object_get(done, "action")),
	     EFFECT_WINDOWS_AFTER, summary);
}

void rebalancer_step(struct rebalancer *r, struct collector *c, const struct snapshot *snap,
		     uint64_t now_ns)
{
	struct cpu_times now;

	if (!r || cpu_times_read(&now))
		return;
	if (proc_cache_update(&r->procs, snap)) {
		hlog(LOG_ERR, "rebalance: out of memory; groups not measured this interval");
		return;
	}
	for (size_t i = 0; i < r->n && r->have_prev; i++) {
		struct group_runtime *g = &r->groups[i];
		struct group_state s;

		if (g->cfg->mode == REBALANCE_OFF ||
		    group_measure_cached(&g->cfg->spec, &r->procs, snap, &r->prev, &now, &s))
			continue;
		if (s.n_members) {
			track_effect(r, g, &s, snap);
			placement(r, g, &s, now_ns);
			scaling(r, g, &s, now_ns);
			steering(r, g, c, &s);
		}
		group_state_free(&s);
	}
	r->prev = now;
	r->have_prev = true;
}

json_t *rebalancer_take_actions(struct rebalancer *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; r && arr && i < r->n; i++) {
		json_t *done = action_log_take_finished(&r->groups[i].actions);
		size_t k;
		json_t *rec;

		json_array_foreach(done, k, rec)
		{
			json_t *row = json_deep_copy(rec);

			json_object_set_new(row, "group", json_string(r->groups[i].cfg->spec.name));
			json_array_append_new(arr, row);
		}
		json_decref(done);
	}
	return arr;
}

json_t *rebalancer_json(const struct rebalancer *r)
{
	static const char *const modes[] = {
		[REBALANCE_OFF] = "off", [REBALANCE_PLAN] = "plan", [REBALANCE_APPLY] = "apply"};
	json_t *arr = json_array();

	for (size_t i = 0; r && i < r->n; i++) {
		const struct group_runtime *g = &r->groups[i];
		json_t *o = g->last ? json_deep_copy(g->last)
				    : json_pack("{s:s}", "name", g->cfg->spec.name);

		json_object_set_new(o, "mode", json_string(modes[g->cfg->mode]));
		json_object_set_new(o, "held", json_integer(g->held));
		json_object_set_new(o, "moves_applied", json_integer(g->moves));
		json_object_set_new(o, "steered_members", json_integer((json_int_t)g->n_steer));
		json_object_set_new(o, "last_action",
				    g->last_action[0] ? json_string(g->last_action) : json_null());
		json_object_set_new(o, "steering", json_boolean(g->n_steer > 0));
		json_object_set_new(
			o, "scale_events",
			json_pack("{s:i, s:i}", "out", g->scale_out, "in", g->scale_in));
		json_object_set_new(o, "actions", action_log_json(&g->actions));
		json_array_append_new(arr, o);
	}
	return arr;
}

void rebalancer_free(struct rebalancer *r, struct collector *c)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct group_runtime *g = &r->groups[i];
		size_t n = g->moved.n;

		if (n)
			hlog(LOG_NOTICE,
			     "rebalance: group %s: %zu of %zu threads put back on their "
			     "CPUs",
			     g->cfg->spec.name, affinity_restore(&g->moved), n);
		affinity_log_free(&g->moved);
		action_log_free(&g->actions);
		json_decref(g->last);
		if (g->n_steer) {
			collector_steer_stop(c);
			reuseport_members_close(g->steer, g->n_steer);
			hlog(LOG_NOTICE,
			     "rebalance: group %s: connections back on the kernel's hash",
			     g->cfg->spec.name);
		}
	}
	proc_cache_free(&r->procs);
	free(r->groups);
	free(r);
}
